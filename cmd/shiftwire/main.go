// Command shiftwire runs the Shiftwire server and its admin commands.
//
//	shiftwire serve [--dev] [--addr 127.0.0.1:8080] [--db ./shiftwire.db | --database-url postgres://...]
//	shiftwire migrate
//	shiftwire tenants create NAME [--timezone Europe/Brussels]
//	shiftwire clients create --tenant NAME --scope "SCOPE SCOPE ..."
//	shiftwire bench [--webhooks 100] [--rate 0] [--duration 20s] [--json]
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
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "shiftwire:", err)
		}
		os.Exit(2)
	}
}

const usage = `Usage:
  shiftwire serve [flags]                 run the API server and the delivery engine
  shiftwire migrate [flags]               apply database migrations and exit
  shiftwire tenants create NAME [flags]   create a tenant
  shiftwire clients create [flags]        create an OAuth client; prints its secret once
  shiftwire bench [flags]                 measure delivery on loopback against SPEC section 12
Run "shiftwire COMMAND -h" for the flags of a command.
`

// run is the whole program, with its environment passed in so tests can run it in-process.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return runServe(ctx, rest, getenv, stdout, stderr)
	case "migrate":
		return runMigrate(ctx, rest, getenv, stdout, stderr)
	case "tenants", "clients":
		if len(rest) == 0 || rest[0] != "create" {
			return fmt.Errorf("usage: shiftwire %s create ...", cmd)
		}
		if cmd == "tenants" {
			return runTenantsCreate(ctx, rest[1:], getenv, stdout, stderr)
		}
		return runClientsCreate(ctx, rest[1:], getenv, stdout, stderr)
	case "bench":
		return runBench(ctx, rest, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}

// version is the release, set at build time with -ldflags "-X main.version=1.2.3".
var version = "dev"
