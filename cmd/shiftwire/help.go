package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
)

// command is one subcommand as help shows it.
type command struct {
	name     string // as typed: "clients create"
	synopsis string // the arguments after the name
	summary  string
}

// commands lists every subcommand, in the order usage shows them.
var commands = []command{
	{"serve", "[flags]", "run the API server and the delivery engine"},
	{"migrate", "[flags]", "apply database migrations and exit"},
	{"tenants create", "NAME [flags]", "create a tenant"},
	{"tenants list", "[flags]", "list the tenants"},
	{"clients create", "--tenant NAME --scope \"SCOPE ...\" [flags]", "create an OAuth client; prints its secret once"},
	{"clients list", "[--tenant NAME] [flags]", "list the OAuth clients, never their secrets"},
	{"clients delete", "CLIENT_ID --tenant NAME [flags]", "delete an OAuth client; its tokens stop working"},
	{"listen", "--collection NAME [--forward-to URL] [flags]", "subscribe a local receiver, print every event, forward it"},
	{"simulate", "--rate N --duration D [flags]", "play a workforce day through the API"},
	{"bench", "[flags]", "measure delivery on loopback against SPEC section 12"},
	{"version", "", "print the version"},
}

// usage is what "shiftwire help" prints.
func usage() string {
	var b strings.Builder
	b.WriteString("Usage:\n")
	for _, c := range commands {
		fmt.Fprintf(&b, "  shiftwire %-16s %s\n", c.name, c.summary)
	}
	b.WriteString(`Run "shiftwire COMMAND -h" for the flags of a command and their SHIFTWIRE_* variables.` + "\n")
	return b.String()
}

// envFreeCommands read no SHIFTWIRE_* variable, so their help names none: a benchmark must
// never reach a real database because of the caller's environment.
var envFreeCommands = map[string]bool{"bench": true}

// envName is the SHIFTWIRE_* variable of the flag name.
func envName(flagName string) string {
	return "SHIFTWIRE_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// setUsage makes -h on fs print the command's synopsis and every flag with its default
// and its SHIFTWIRE_* variable.
func setUsage(fs *flag.FlagSet) {
	fs.Usage = func() { printUsage(fs.Output(), fs) }
}

func printUsage(w io.Writer, fs *flag.FlagSet) {
	name := fs.Name()
	synopsis := "[flags]"
	summary := ""
	for _, c := range commands {
		if c.name == name {
			synopsis, summary = c.synopsis, c.summary
		}
	}
	fmt.Fprintf(w, "Usage: shiftwire %s %s\n", name, synopsis)
	if summary != "" {
		fmt.Fprintf(w, "%s%s.\n", strings.ToUpper(summary[:1]), summary[1:])
	}
	fmt.Fprintln(w, "\nFlags:")
	env := !envFreeCommands[name]
	fs.VisitAll(func(f *flag.Flag) {
		kind, text := flag.UnquoteUsage(f)
		fmt.Fprintf(w, "  --%s", f.Name)
		if kind != "" {
			fmt.Fprintf(w, " %s", kind)
		}
		fmt.Fprintf(w, "\n        %s", strings.ReplaceAll(text, "\n", "\n        "))
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" && f.DefValue != "0s" && f.DefValue != "[]" {
			fmt.Fprintf(w, " (default %s)", f.DefValue)
		}
		if env {
			fmt.Fprintf(w, "\n        env %s", envName(f.Name))
		}
		fmt.Fprintln(w)
	})
	if env {
		fmt.Fprintln(w, "\nA flag given on the command line wins over its variable.")
	}
}
