// Package migrations holds the numbered SQL migrations of the gateway's
// PostgreSQL schema, embedded in the binary and applied with goose by
// `gateway migrate up` and at `serve` start.
package migrations

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io"
	"log/slog"

	"github.com/pressly/goose/v3"
)

//go:embed *.sql
var FS embed.FS

func provider(db *sql.DB) (*goose.Provider, error) {
	return goose.NewProvider(goose.DialectPostgres, db, FS,
		// One migration run at a time across many serve processes.
		goose.WithSessionLocker(mustLocker()),
	)
}

// Up applies all pending migrations and reports what it applied.
func Up(ctx context.Context, db *sql.DB, log *slog.Logger) error {
	p, err := provider(db)
	if err != nil {
		return err
	}
	res, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("migrate up: %w", err)
	}
	for _, r := range res {
		log.Info("migration applied", "version", r.Source.Version, "file", r.Source.Path, "duration_ms", r.Duration.Milliseconds())
	}
	return nil
}

// Status writes one line per migration: version, applied or pending.
func Status(ctx context.Context, db *sql.DB, w io.Writer) error {
	p, err := provider(db)
	if err != nil {
		return err
	}
	st, err := p.Status(ctx)
	if err != nil {
		return err
	}
	for _, s := range st {
		when := "pending"
		if s.State == goose.StateApplied {
			when = "applied " + s.AppliedAt.UTC().Format("2006-01-02 15:04:05Z")
		}
		fmt.Fprintf(w, "%05d  %-40s %s\n", s.Source.Version, s.Source.Path, when)
	}
	return nil
}
