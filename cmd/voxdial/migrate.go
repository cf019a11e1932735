package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/voxdial/voxdial/store"
)

// defaultDatabaseURL is the embedded default: a SQLite file in the working directory.
const defaultDatabaseURL = "sqlite:voxdial.db"

// databaseURL resolves --database-url: the flag, $VOXDIAL_DATABASE_URL, or the embedded default.
func databaseURL(flag string) string {
	if flag != "" {
		return flag
	}
	if u := os.Getenv("VOXDIAL_DATABASE_URL"); u != "" {
		return u
	}
	return defaultDatabaseURL
}

// openStore opens the database, applying migrations when migrate is set.
// A bad URL is a usage error; an unreachable database a failure.
func openStore(ctx context.Context, rawURL string, migrate bool) (*store.DB, error) {
	db, err := store.Open(ctx, databaseURL(rawURL), store.Options{Migrate: migrate})
	if err != nil {
		if errors.Is(err, store.ErrUnsupportedURL) {
			return nil, usageErr("--database-url: %v", err)
		}
		return nil, failureErr(fmt.Errorf("database: %w", err))
	}
	return db, nil
}

func addDatabaseFlag(cmd *cobra.Command, dst *string) {
	cmd.Flags().StringVar(dst, "database-url", "", "database: postgres://… or sqlite:PATH (default $VOXDIAL_DATABASE_URL, else "+defaultDatabaseURL+")")
}

// newMigrateCmd is `voxdial migrate`.
func newMigrateCmd() *cobra.Command {
	var dbURL string
	var jsonOut bool
	cmd := &cobra.Command{
		Use:   "migrate [--database-url URL]",
		Short: "Apply the database migrations embedded in this binary",
		Long: `Apply every pending schema migration embedded in this binary, in order, each in
its own transaction (PostgreSQL: under an advisory lock, so nodes may run it at once).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runMigrate(cmd.Context(), dbURL, jsonOut, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	addDatabaseFlag(cmd, &dbURL)
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print the result as one JSON document")
	return cmd
}

func runMigrate(ctx context.Context, dbURL string, jsonOut bool, stdout, stderr io.Writer) error {
	db, err := openStore(ctx, dbURL, false)
	if err != nil {
		return err
	}
	defer db.Close()
	applied, err := db.Migrate(ctx)
	if err != nil {
		return failureErr(err)
	}
	version, err := db.MigrationVersion(ctx)
	if err != nil {
		return failureErr(err)
	}
	if applied == nil {
		applied = []store.Migration{}
	}
	if jsonOut {
		return json.NewEncoder(stdout).Encode(map[string]any{
			"backend": db.Backend(), "applied": applied, "version": version,
		})
	}
	for _, m := range applied {
		fmt.Fprintf(stderr, "applied %04d_%s\n", m.Version, m.Name)
	}
	fmt.Fprintf(stdout, "%s schema at version %d (%d applied now)\n", db.Backend(), version, len(applied))
	return nil
}
