# The README's two commands are `make dev` and `make test`.
GO      ?= go
SQLC    := $(GO) run github.com/sqlc-dev/sqlc/cmd/sqlc@v1.31.1

.PHONY: dev test build generate sqlc-check vet fuzz bench

dev:
	$(GO) run ./cmd/gateway dev

# Tests talk to a real PostgreSQL (TEST_DATABASE_URL, default
# postgres://postgres@127.0.0.1:5432/postgres) and an in-process NATS server.
test:
	$(GO) test -race -count=1 -timeout 30m ./...

build:
	$(GO) build -o bin/gateway ./cmd/gateway

generate:
	$(SQLC) generate

# Fails when the committed sqlc output differs from what the .sql files give.
sqlc-check:
	$(SQLC) diff

vet:
	$(GO) vet ./...
