package main

import (
	"context"
	"fmt"

	"github.com/shiftwire/shiftwire"
	"github.com/shiftwire/shiftwire/internal/masterkey"
	"github.com/shiftwire/shiftwire/internal/postgres"
	"github.com/shiftwire/shiftwire/internal/sqlite"
)

// openStore opens the database the config names, applying migrations, and returns it with
// the master key that seals its secrets.
func openStore(ctx context.Context, cfg *Config) (shiftwire.Store, shiftwire.Secret, error) {
	var master shiftwire.Secret
	var err error
	switch {
	case cfg.MasterKey != "":
		master, err = masterkey.Parse(cfg.MasterKey)
	case cfg.DatabaseURL != "":
		err = fmt.Errorf("--master-key is required with --database-url")
	default:
		master, err = masterkey.LoadOrCreate(cfg.DBPath + ".key")
	}
	if err != nil {
		return nil, nil, fmt.Errorf("master key: %w", err)
	}
	box, err := masterkey.NewBox(master)
	if err != nil {
		return nil, nil, err
	}
	if cfg.DatabaseURL != "" {
		// Every instance on the database must be given the same master key: each one opens
		// the signing keys the others sealed.
		db, err := postgres.Open(ctx, cfg.DatabaseURL, box)
		if err != nil {
			return nil, nil, err
		}
		return db, master, nil
	}
	db, err := sqlite.Open(ctx, cfg.DBPath, box)
	if err != nil {
		return nil, nil, err
	}
	return db, master, nil
}
