-- name: CreateUser :one
INSERT INTO users (name, role, token_hash)
VALUES ($1, $2, $3)
RETURNING *;

-- name: UserByTokenHash :one
SELECT * FROM users WHERE token_hash = $1;

-- name: UserByName :one
SELECT * FROM users WHERE name = $1;

-- name: UserByID :one
SELECT * FROM users WHERE id = $1;

-- name: ListUsers :many
SELECT * FROM users ORDER BY id;

-- name: DisableUser :one
UPDATE users SET disabled_at = now()
WHERE name = $1 AND disabled_at IS NULL
RETURNING *;
