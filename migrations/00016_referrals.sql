-- +goose Up

-- Referrals between organisations (gateway/referrals). What is stored in
-- clear is only what routing and the replay check need: key ids, package
-- ids, states and dates. Everything about her (the form: initials,
-- answers, phone; a receipt's reason) is sealed under the gateway's own
-- key ring (keys.Body, key id in the ciphertext) before it is written.

-- The partner directory. A partner is known by its card (keys.PartnerCard);
-- it is usable (packages to it, packages from it) only once an admin has
-- compared the fingerprint out of band and marked it verified. Removing a
-- partner keeps the row (the referrals exchanged with it point at it) and
-- makes it unusable.
CREATE TABLE partners (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    key_id      text NOT NULL CHECK (key_id ~ '^[0-9a-f]{16}$'),
    seal_public bytea NOT NULL CHECK (length(seal_public) = 32),
    sign_public bytea NOT NULL CHECK (length(sign_public) = 32),
    fingerprint text NOT NULL CHECK (fingerprint ~ '^[0-9]{5}( [0-9]{5}){7}$'),
    inbox_url   text NOT NULL DEFAULT '' CHECK (length(inbox_url) <= 500),
    card_issued timestamptz NOT NULL,
    added_at    timestamptz NOT NULL DEFAULT now(),
    added_by    text NOT NULL,
    verified_at timestamptz,
    verified_by text,
    removed_at  timestamptz,
    removed_by  text,
    CHECK ((verified_at IS NULL) = (verified_by IS NULL)),
    CHECK ((removed_at IS NULL) = (removed_by IS NULL))
);
-- One live entry per identity; a removed one may be added again.
CREATE UNIQUE INDEX partners_key_id ON partners (key_id) WHERE removed_at IS NULL;

-- Referrals sent and received. A sent referral is a draft until it is
-- exported (its package made: package_id, expires_at, package_enc), then
-- exported or delivered, and finally shows the outcome of the receipt that
-- answered it. A received referral is stored only once its package opened
-- and verified; staff accept, decline or redirect it, and the receipt made
-- for the sender is kept (receipt_enc) to be exported or delivered.
CREATE TABLE referrals (
    id              bigserial PRIMARY KEY,
    direction       text NOT NULL CHECK (direction IN ('sent', 'received')),
    partner_id      bigint NOT NULL REFERENCES partners (id),
    state           text NOT NULL CHECK (state IN ('draft', 'exported', 'delivered', 'received', 'accepted', 'declined', 'redirected')),
    -- The package id (received: the sender's; sent: ours once exported).
    package_id      uuid,
    -- The canonical JSON of the form, sealed (keys.Body).
    form_enc        bytea NOT NULL,
    -- Sent: the package itself, sealed again under our ring, so export and
    -- delivery hand out the same bytes every time.
    package_enc     bytea,
    expires_at      timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    created_by      text NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    -- The last delivery to the partner's inbox (sent referral or receipt).
    delivered_at    timestamptz,
    -- A delivery to the partner's inbox waiting to be (re)tried, and how
    -- many attempts failed; NULL: none pending.
    delivery_due_at   timestamptz,
    delivery_attempts integer NOT NULL DEFAULT 0,
    -- Received and accepted: the participant made for her.
    participant_id  bigint REFERENCES participants (id),
    -- The decision, when there is one: the receipt's JSON, sealed.
    outcome_enc     bytea,
    decided_at      timestamptz,
    decided_by      text,
    -- Received and decided: the receipt package for the sender, sealed
    -- again under our ring, and its id.
    receipt_id      uuid,
    receipt_enc     bytea,
    CHECK ((package_id IS NULL) = (state = 'draft')),
    CHECK (direction = 'sent' OR state NOT IN ('draft', 'exported', 'delivered')),
    CHECK (direction = 'received' OR participant_id IS NULL)
);
CREATE UNIQUE INDEX referrals_package ON referrals (direction, package_id) WHERE package_id IS NOT NULL;
CREATE INDEX referrals_list ON referrals (direction, id);
CREATE INDEX referrals_delivery_due ON referrals (delivery_due_at) WHERE delivery_due_at IS NOT NULL;

-- Packages imported (referrals and receipts), for the replay check: the
-- pair (sender key id, package id), kept until the package would be
-- expired anyway (referral.Envelope.KeepUntil).
CREATE TABLE referral_imports (
    sender_key_id text NOT NULL CHECK (sender_key_id ~ '^[0-9a-f]{16}$'),
    package_id    uuid NOT NULL,
    kind          text NOT NULL CHECK (kind IN ('referral', 'receipt')),
    keep_until    timestamptz NOT NULL,
    imported_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (sender_key_id, package_id)
);
CREATE INDEX referral_imports_keep ON referral_imports (keep_until);

-- +goose Down
DROP TABLE referral_imports;
DROP TABLE referrals;
DROP TABLE partners;
