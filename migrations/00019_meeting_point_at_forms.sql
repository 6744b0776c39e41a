-- +goose Up

-- Per language, how a message says "at" this place: the preposition and
-- article that go with its name ("a la Plaça Reial", "al Mercat", "au Café
-- de Flore", "na Estação do Rossio"). The right one depends on the place
-- (gender, number, elision), so no template can build it from the name
-- alone, and a wrong one reads oddly on a phone someone else may read.
-- Keys are the shipped languages; each form contains the name and passes
-- the discreet filter like the name (checked by the gateway before it is
-- written: gateway/safety/meetingpoints.go). An empty object (the default,
-- and every point registered before) makes templates use their language's
-- default construction.
ALTER TABLE meeting_points
    ADD COLUMN at_forms jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(at_forms) = 'object');

-- +goose Down
ALTER TABLE meeting_points DROP COLUMN at_forms;
