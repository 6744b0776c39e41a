-- +goose Up

-- The first name (often a cover name) a staff member signs her texts
-- with ("Hola Ana, soy Marta", "... Besos, Marta"). Under the monitored
-- free-text policies that report names the filter cannot place, it is a
-- known name in her own messages, as if she had confirmed it
-- (confirm_names) in each. Set only by the user herself, after the
-- gateway has checked that the filter flags nothing in it on its own
-- (gateway/message/signature.go). Staff names are fine to store: they
-- are not participants. Null: none (the default, and every user before).
ALTER TABLE users
    ADD COLUMN signature_name text CHECK (length(signature_name) BETWEEN 1 AND 40);

-- +goose Down
ALTER TABLE users DROP COLUMN signature_name;
