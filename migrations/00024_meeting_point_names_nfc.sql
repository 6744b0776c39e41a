-- +goose Up

-- Meeting point names, and the at forms that spell them, stored in NFC.
-- The gateway writes, looks up and locks a place's name in NFC
-- (templates.PlaceKey), and writes each at form the same way; a point
-- registered before it did may hold its name decomposed ("c" + U+0327 for
-- "ç"). Such a row is a second spelling of the same place: an equality
-- lookup by the NFC name (a booking's MeetingPointByNameForShare) misses
-- it, and the unique constraint on name, which compares bytes, let a
-- point of the same name in NFC be created beside it. Each such name and
-- at form is rewritten to its NFC form here. The two forms are
-- canonically equivalent, the same letters on a phone, so a stored text
-- that carries the old bytes still names the point as it is now: unlike
-- a rename, which is refused while such a text is pending, this rewrite
-- changes no name she reads. A
-- message being accepted meanwhile from points read before the rewrite
-- no longer matches the stored name or forms it was rendered with and is
-- rendered again (AcceptMessages, errStalePlace), as after a rename.
-- No other column holds a place's name: messages and appointments refer
-- to the point by id, and an appointment's venue is the programme's
-- label, never sent.
--
-- A name or an at form is left exactly as stored, and the migration goes
-- on, when its NFC form cannot be written without changing what the
-- programme relies on (fail closed: nothing is merged, deleted or given a
-- name nobody chose):
--   - its NFC name is another point's name already (created since names
--     were stored NFC), or that of a decomposed point with a lower id,
--     which this migration gives it first: the two rows are one place
--     registered twice. Merging them would move bookings, pending texts
--     and the rename check from one id to the other, and a new name made
--     up to tell them apart ("... (2)") would be sent to her in the next
--     reminder. The decomposed row keeps its bytes; the code compares
--     names by their NFC form where it reads them from the registry
--     (placeOf's cache, AcceptMessages' check of an unlinked place), so a
--     text naming the place still finds a point. Staff resolve the
--     duplicate by hand (new bookings at the NFC point, the other left
--     unused).
--   - its NFC name is longer than the 200 characters the name's check
--     allows (a few characters, e.g. U+0958, are decomposed by NFC and
--     grow), or an at form's NFC form longer than the 120 bytes the
--     renderer allows one (templates.MaxAtFormBytes).
-- Each is reported by its point's id (never the text: a place can say
-- where she goes) in a WARNING in the server's log.
--
-- normalize() and IS NFC NORMALIZED work only in a database whose
-- encoding is UTF8 (the gateway's own clusters and tests are initialised
-- -E UTF8, and AcceptMessages calls normalize() on the points' names). In
-- another encoding the migration changes nothing and says so in a
-- WARNING, rather than stop the gateway from starting.
--
-- The table is locked EXCLUSIVE first (plain reads go on; writes and
-- row locks wait, for a table of a few rows): no point is created or
-- renamed to a name between the collision check and the rewrite, and a
-- rename that already holds a point FOR UPDATE is waited for before this
-- migration holds anything it would need (a weaker lock, SHARE ROW
-- EXCLUSIVE, would let it in, and its update would then wait on this
-- migration: a deadlock).

-- +goose StatementBegin
DO $$
DECLARE
    r     record;
    other bigint;
BEGIN
    IF current_setting('server_encoding') <> 'UTF8' THEN
        RAISE WARNING 'meeting point names: the database encoding is %, not UTF8; names left as stored',
            current_setting('server_encoding');
        RETURN;
    END IF;
    LOCK TABLE meeting_points IN EXCLUSIVE MODE;

    FOR r IN
        SELECT id, normalize(name, NFC) AS nfc FROM meeting_points
        WHERE name IS NOT NFC NORMALIZED
        ORDER BY id
    LOOP
        SELECT id INTO other FROM meeting_points WHERE name = r.nfc;
        IF other IS NOT NULL THEN
            RAISE WARNING 'meeting point %: meeting point % has its name in NFC; left decomposed, one place registered twice', r.id, other;
        ELSIF length(r.nfc) > 200 THEN
            RAISE WARNING 'meeting point %: its name in NFC is longer than 200 characters; left as stored', r.id;
        ELSE
            UPDATE meeting_points SET name = r.nfc WHERE id = r.id;
        END IF;
    END LOOP;

    FOR r IN
        SELECT mp.id FROM meeting_points mp
        WHERE EXISTS (SELECT 1 FROM jsonb_each(mp.at_forms) f
                      WHERE jsonb_typeof(f.value) = 'string'
                        AND octet_length(normalize(f.value #>> '{}', NFC)) > 120
                        AND (f.value #>> '{}') IS NOT NFC NORMALIZED)
        ORDER BY mp.id
    LOOP
        RAISE WARNING 'meeting point %: an at form in NFC is longer than 120 bytes; that form left as stored', r.id;
    END LOOP;
    UPDATE meeting_points mp SET at_forms = (
        SELECT jsonb_object_agg(f.key,
            CASE WHEN jsonb_typeof(f.value) = 'string'
                      AND octet_length(normalize(f.value #>> '{}', NFC)) <= 120
                 THEN to_jsonb(normalize(f.value #>> '{}', NFC))
                 ELSE f.value END)
        FROM jsonb_each(mp.at_forms) f)
    WHERE EXISTS (SELECT 1 FROM jsonb_each(mp.at_forms) f
                  WHERE jsonb_typeof(f.value) = 'string'
                    AND (f.value #>> '{}') IS NOT NFC NORMALIZED
                    AND octet_length(normalize(f.value #>> '{}', NFC)) <= 120);
END
$$;
-- +goose StatementEnd

-- +goose Down
-- Nothing to undo: schema 00023 holds NFC names and forms as well (the
-- gateway wrote them so before this migration), and the decomposed bytes
-- they replaced are not kept.
