// Command shiftwire runs the Shiftwire server, its admin commands and the developer kit's
// client commands.
//
//	shiftwire serve [--dev] [--addr 127.0.0.1:8080] [--db ./shiftwire.db | --database-url postgres://...]
//	shiftwire migrate
//	shiftwire tenants create NAME [--timezone Europe/Brussels]
//	shiftwire tenants list
//	shiftwire clients create --tenant NAME --scope "SCOPE SCOPE ..."
//	shiftwire clients list [--tenant NAME]
//	shiftwire clients delete CLIENT_ID --tenant NAME
//	shiftwire listen --collection clockings [--forward-to URL] [--json]
//	shiftwire simulate --rate 10 --duration 1m
//	shiftwire bench [--webhooks 100] [--rate 0] [--duration 20s] [--json]
//	shiftwire version
//
// Every flag has a SHIFTWIRE_* environment equivalent (--db is SHIFTWIRE_DB); a flag given on
// the command line wins over the environment. bench is the exception: it reads no
// SHIFTWIRE_* variable, so a benchmark never reaches a real database by accident.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(exitCode(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr), os.Stderr))
}

// exitCode reports err and returns the process's exit status: 0 for success and for -h,
// which printed the help that was asked for; 2 for any error.
func exitCode(err error, stderr io.Writer) int {
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	default:
		fmt.Fprintln(stderr, "shiftwire:", err)
		return 2
	}
}

// run is the whole program, with its environment passed in so tests can run it in-process.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage())
		return errors.New("no command given")
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return runServe(ctx, rest, getenv, stdout, stderr)
	case "migrate":
		return runMigrate(ctx, rest, getenv, stdout, stderr)
	case "tenants", "clients":
		return runGroup(ctx, cmd, rest, getenv, stdout, stderr)
	case "listen":
		return runListen(ctx, rest, getenv, stdout, stderr)
	case "simulate":
		return runSimulate(ctx, rest, getenv, stdout, stderr)
	case "bench":
		return runBench(ctx, rest, stdout, stderr)
	case "version", "--version":
		fmt.Fprintf(stdout, "shiftwire %s %s %s/%s\n", version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage())
		return nil
	}
	fmt.Fprint(stderr, usage())
	return fmt.Errorf("unknown command %q", cmd)
}

// groups are the commands that take a subcommand, and their subcommands.
var groups = map[string]map[string]func(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error{
	"tenants": {"create": runTenantsCreate, "list": runTenantsList},
	"clients": {"create": runClientsCreate, "list": runClientsList, "delete": runClientsDelete},
}

// runGroup runs a subcommand of tenants or clients.
func runGroup(ctx context.Context, group string, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	sub := ""
	if len(args) > 0 {
		sub = args[0]
	}
	if fn := groups[group][sub]; fn != nil {
		return fn(ctx, args[1:], getenv, stdout, stderr)
	}
	var lines string
	var subs []string
	for _, c := range commands {
		if name, ok := strings.CutPrefix(c.name, group+" "); ok {
			lines += fmt.Sprintf("  shiftwire %s %s\n", c.name, c.synopsis)
			subs = append(subs, name)
		}
	}
	if sub == "-h" || sub == "--help" || sub == "help" {
		fmt.Fprint(stdout, "Usage:\n"+lines)
		return nil
	}
	fmt.Fprint(stderr, "Usage:\n"+lines)
	return fmt.Errorf("usage: shiftwire %s %s ...: unknown subcommand %q", group, strings.Join(subs, "|"), sub)
}

// version is the release, set at build time with -ldflags "-X main.version=1.2.3".
var version = "dev"
