-- Set-based statements for the hot paths (workers, status callbacks,
-- accept): one round trip for many rows.

-- name: MessagesByIDsForUpdate :many
SELECT * FROM messages WHERE id = ANY(sqlc.arg(ids)::text::uuid[]) ORDER BY id FOR UPDATE;

-- name: ParticipantsWithConsentsByCodes :many
-- The accept path's read in one round trip: each participant (by code)
-- with her consent ledger, one row per consent event in ledger order (one
-- row with NULL event columns when she has none). row_version is the
-- row's xmin (it changes with every update of the row), for the accept
-- statement's check that the decision was made on current data.
SELECT sqlc.embed(p), p.xmin::text::bigint AS row_version,
       c.id AS ev_id, c.channel AS ev_channel, c.kind AS ev_kind, c.at AS ev_at, c.actor AS ev_actor,
       c.source AS ev_source, c.evidence AS ev_evidence, c.notice_language AS ev_notice_language,
       c.expires_at AS ev_expires_at, c.reason AS ev_reason, c.allow_voicemail AS ev_allow_voicemail,
       c.accept_whatsapp_risk AS ev_accept_whatsapp_risk
FROM participants p LEFT JOIN consent_events c ON c.participant_id = p.id
WHERE p.code = ANY(sqlc.arg(codes)::text::text[])
ORDER BY p.id, c.at, c.id;

-- name: ParticipantsByIDs :many
SELECT * FROM participants WHERE id = ANY(sqlc.arg(ids)::text::bigint[]);

-- name: ConsentHistoryMany :many
SELECT * FROM consent_events WHERE participant_id = ANY(sqlc.arg(ids)::text::bigint[]) ORDER BY participant_id, at, id;

-- name: MarkSendingMany :exec
UPDATE messages SET status = 'sending', attempts = attempts + 1, updated_at = sqlc.arg(now)
WHERE id = ANY(sqlc.arg(ids)::text::uuid[]) AND status = 'queued';

-- name: InsertMessageEventsMany :exec
INSERT INTO message_events (message_id, status, at, code)
SELECT unnest(sqlc.arg(ids)::text::uuid[]), unnest(sqlc.arg(statuses)::text::text[]), sqlc.arg(at),
       nullif(unnest(sqlc.arg(codes)::text::text[]), '');

-- name: SetStatusMany :exec
-- Applies per-message status (and provider id/status when given), each
-- only if it moves forward (migration 00014); callers compute forward
-- moves on locked rows, and this condition keeps any other out.
UPDATE messages m SET
    status = u.status,
    provider_id = coalesce(m.provider_id, nullif(u.provider_id, '')),
    provider_status = coalesce(nullif(u.provider_status, ''), m.provider_status),
    error_code = coalesce(nullif(u.error_code, ''), m.error_code),
    updated_at = sqlc.arg(now),
    final_at = CASE WHEN u.final THEN sqlc.arg(now) ELSE m.final_at END
FROM (
    SELECT unnest(sqlc.arg(ids)::text::uuid[]) AS id,
           unnest(sqlc.arg(statuses)::text::text[]) AS status,
           unnest(sqlc.arg(provider_ids)::text::text[]) AS provider_id,
           unnest(sqlc.arg(provider_statuses)::text::text[]) AS provider_status,
           unnest(sqlc.arg(error_codes)::text::text[]) AS error_code,
           unnest(sqlc.arg(finals)::text::boolean[]) AS final
) u
-- The second condition gives the planner an index condition on messages
-- whatever it estimates for the unnest (a hash join over a sequential scan
-- of messages was chosen otherwise).
WHERE m.id = u.id AND m.id = ANY(sqlc.arg(ids)::text::uuid[])
  AND message_status_may_move(m.status, u.status, m.provider_id IS NOT NULL);

-- name: MessagesWithCodeByIDsForUpdate :many
SELECT m.id, m.status, m.provider_id, m.participant_id, p.code
FROM messages m JOIN participants p ON p.id = m.participant_id
WHERE m.id = ANY(sqlc.arg(ids)::text::uuid[])
ORDER BY m.id
FOR UPDATE OF m;

-- name: AppendAuditMany :exec
-- System events of one actor, many participants (workers, callbacks).
INSERT INTO audit_events (actor_name, actor_role, action, participant_code, request_id, details)
SELECT sqlc.arg(actor_name), sqlc.arg(actor_role), unnest(sqlc.arg(actions)::text::text[]),
       unnest(sqlc.arg(participant_codes)::text::text[]), '', unnest(sqlc.arg(details)::text::text[])::jsonb;

-- name: AcceptMessages :many
-- The whole accept write for many messages in one statement (one round
-- trip, atomic without an explicit transaction): each message, its first
-- event, its outbox row when it is due now, and its audit event. The
-- arrays are parallel, one element per message; an empty string or 0 stands for NULL.
--
-- A message is written only if the data its contact decision was made on
-- is still current as of this statement's snapshot: her participant row
-- has the row_version (xmin) and her consent ledger the length (it is
-- append-only) that the caller read. (A change committed while the
-- statement runs is not seen; the worker re-checks before sending.)
-- It returns a row per message: written, or not (decided on stale data:
-- the caller decides again), and place_ok, false when the meeting point
-- check below refused it (the caller reads the points again). A
-- row_version below 0 skips the participant check (callers that read and
-- write in one transaction).
--
-- A message whose text names a registered meeting point (meeting_point_id)
-- is written only if the point still has the name and the at forms the
-- text was rendered with (meeting_point_names, meeting_point_at_forms),
-- read with the point locked FOR SHARE, as a booking reads it: a rename
-- holding the point (FOR UPDATE) is waited for and its new name seen, and
-- a rename that comes after waits for this statement's commit and then
-- finds the message (MeetingPointBookedAfter). A message whose meeting
-- point parameter names no registered point (meeting_point_id 0, the
-- name given, NFC as the renderer writes it) is written only if no point
-- has that name now, compared in NFC (a name stored before names were
-- stored NFC): the text was rendered from a list of points that did not
-- know it yet. The
-- caller holds such names locked (ShareMeetingPointNames) in a statement
-- before this one in the same transaction, so a create of a point of
-- that name, or a rename to it (LockMeetingPointName), has committed
-- before this statement's snapshot or waits for its commit. Not covered:
-- such a message written (committed) before a point of its place's name
-- is created or renamed to it stays unlinked (only meeting_point_id is
-- stored, never the unlinked name), so a later rename of that point is
-- not refused for it; and one such message makes its whole batch (this
-- statement's transaction) wait on that name's lock while a create or
-- rename to the name runs.
WITH r AS (
    SELECT unnest(sqlc.arg(ids)::text::uuid[]) AS id,
           unnest(sqlc.arg(participant_ids)::text::bigint[]) AS participant_id,
           unnest(sqlc.arg(channels)::text::text[]) AS channel,
           unnest(sqlc.arg(statuses)::text::text[]) AS status,
           unnest(sqlc.arg(variants)::text::text[]) AS variant,
           nullif(unnest(sqlc.arg(template_ids)::text::text[]), '') AS template_id,
           nullif(unnest(sqlc.arg(template_versions)::text::integer[]), 0) AS template_version,
           nullif(unnest(sqlc.arg(template_digests)::text::text[]), '') AS template_digest,
           nullif(unnest(sqlc.arg(template_sources)::text::text[]), '') AS template_source,
           unnest(sqlc.arg(languages)::text::text[]) AS language,
           unnest(sqlc.arg(contents)::text::bytea[]) AS content_enc,
           unnest(sqlc.arg(priorities)::text::smallint[]) AS priority,
           unnest(sqlc.arg(send_ats)::text::timestamptz[]) AS send_at,
           unnest(sqlc.arg(consent_versions)::text::integer[]) AS consent_version,
           nullif(unnest(sqlc.arg(redactions)::text::text[]), '')::jsonb AS redactions,
           nullif(unnest(sqlc.arg(user_ids)::text::bigint[]), 0) AS user_id,
           unnest(sqlc.arg(ats)::text::timestamptz[]) AS at,
           unnest(sqlc.arg(subjects)::text::text[]) AS subject,
           unnest(sqlc.arg(enqueue)::text::boolean[]) AS enqueue,
           unnest(sqlc.arg(actor_names)::text::text[]) AS actor_name,
           unnest(sqlc.arg(actor_roles)::text::text[]) AS actor_role,
           unnest(sqlc.arg(participant_codes)::text::text[]) AS participant_code,
           unnest(sqlc.arg(request_ids)::text::text[]) AS request_id,
           nullif(unnest(sqlc.arg(actor_ips)::text::text[]), '')::inet AS actor_ip,
           unnest(sqlc.arg(details)::text::text[])::jsonb AS details,
           unnest(sqlc.arg(row_versions)::text::bigint[]) AS row_version,
           unnest(sqlc.arg(ledger_lens)::text::bigint[]) AS ledger_len,
           nullif(unnest(sqlc.arg(promised_call_ats)::text::text[]), '')::timestamptz AS promised_call_at,
           nullif(unnest(sqlc.arg(rendered_tzs)::text::text[]), '') AS rendered_tz,
           nullif(unnest(sqlc.arg(meeting_point_ids)::text::bigint[]), 0) AS meeting_point_id,
           nullif(unnest(sqlc.arg(meeting_point_names)::text::text[]), '') AS meeting_point_name,
           nullif(unnest(sqlc.arg(meeting_point_at_forms)::text::text[]), '')::jsonb AS meeting_point_at_forms
), pts AS MATERIALIZED (
    SELECT mp.id, mp.name, mp.at_forms FROM meeting_points mp
    WHERE mp.id = ANY(sqlc.arg(meeting_point_ids)::text::bigint[])
    FOR SHARE
), chk AS MATERIALIZED (
    SELECT r.*,
           (r.row_version < 0
            OR (EXISTS (SELECT 1 FROM participants p WHERE p.id = r.participant_id AND p.xmin::text::bigint = r.row_version)
                AND (SELECT count(*) FROM consent_events c WHERE c.participant_id = r.participant_id) = r.ledger_len)) AS data_ok,
           (CASE WHEN r.meeting_point_id IS NOT NULL THEN
                EXISTS (SELECT 1 FROM pts WHERE pts.id = r.meeting_point_id AND pts.name = r.meeting_point_name
                        AND pts.at_forms = r.meeting_point_at_forms)
            WHEN r.meeting_point_name IS NOT NULL THEN
                NOT EXISTS (SELECT 1 FROM meeting_points mp WHERE normalize(mp.name, NFC) = r.meeting_point_name)
            ELSE true END) AS place_ok
    FROM r
), ok AS (
    SELECT * FROM chk WHERE data_ok AND place_ok
), msg AS (
    INSERT INTO messages (
        id, participant_id, channel, status, variant, template_id, template_version,
        template_digest, template_source,
        language, content_enc, priority, send_at, consent_version, redactions, created_by,
        promised_call_at, rendered_tz, meeting_point_id
    )
    SELECT id, participant_id, channel, status, variant, template_id, template_version,
           template_digest, template_source,
           language, content_enc, priority, send_at, consent_version, redactions, user_id,
           promised_call_at, rendered_tz, meeting_point_id
    FROM ok
    RETURNING id
), ev AS (
    INSERT INTO message_events (message_id, status, at) SELECT id, status, at FROM ok
), ob AS (
    INSERT INTO outbox (message_id, subject, priority) SELECT id, subject, priority FROM ok WHERE enqueue
), au AS (
    INSERT INTO audit_events (actor_id, actor_name, actor_role, action, participant_code, request_id, actor_ip, details)
    SELECT user_id, actor_name, actor_role, 'message.accepted', participant_code, request_id, actor_ip, details FROM ok
)
SELECT chk.id::uuid AS id, (msg.id IS NOT NULL)::boolean AS written, chk.place_ok::boolean AS place_ok
FROM chk LEFT JOIN msg ON msg.id = chk.id;
