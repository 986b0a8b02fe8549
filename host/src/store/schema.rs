//! Numbered schema migrations. `PRAGMA user_version` records how many have run; each runs
//! in its own transaction, so a crash mid-migration leaves the previous version intact.
//!
//! Rules: never edit a migration that has shipped; add a new one. Every earlier schema is
//! migrated forward by the tests (`migrations_apply_from_every_earlier_version`).

use rusqlite::Connection;

/// The migrations, in order. Index 0 takes an empty database to version 1.
const MIGRATIONS: &[&str] = &[
    // 1: the archive and the event log.
    r#"
    -- Every file ever seen, raw bytes included, content-addressed. Never edited or deleted
    -- (only last_seen moves).
    CREATE TABLE files (
        id              INTEGER PRIMARY KEY,
        sha256          TEXT NOT NULL UNIQUE,
        size            INTEGER NOT NULL,
        bytes           BLOB NOT NULL,
        -- The name the file had when first seen, and where it came from
        -- ("ingest", "sftp", "submit", "package").
        original_name   TEXT NOT NULL,
        origin          TEXT NOT NULL,
        first_seen      TEXT NOT NULL,
        last_seen       TEXT NOT NULL,
        -- "document" (parsed by a plugin) or "package" (a zip whose members are files too).
        kind            TEXT NOT NULL CHECK (kind IN ('document', 'package')),
        -- "parsed" or "needs_attention" (no plugin, a plugin failure, a refused package).
        outcome         TEXT NOT NULL CHECK (outcome IN ('parsed', 'needs_attention')),
        format          TEXT,
        plugin          TEXT,
        plugin_version  TEXT,
        problem_kind    TEXT,
        problem         TEXT,
        warnings        INTEGER NOT NULL DEFAULT 0,
        errors          INTEGER NOT NULL DEFAULT 0,
        -- The file's metadata and diagnostics as the plugin returned them (validated), JSON.
        metadata_json   TEXT,
        diagnostics_json TEXT
    );
    CREATE INDEX files_outcome ON files(outcome);

    -- Which files a package held, under which path.
    CREATE TABLE package_members (
        package_id  INTEGER NOT NULL REFERENCES files(id),
        member_id   INTEGER NOT NULL REFERENCES files(id),
        path        TEXT NOT NULL,
        PRIMARY KEY (package_id, path)
    );

    -- The append-only event log: each event with the file and plugin version that produced
    -- it. Rebuilding replaces a file's events by a new parse; nothing else changes them.
    CREATE TABLE events (
        id              INTEGER PRIMARY KEY,
        file_id         INTEGER NOT NULL REFERENCES files(id),
        seq             INTEGER NOT NULL,
        plugin          TEXT NOT NULL,
        plugin_version  TEXT NOT NULL,
        level           TEXT NOT NULL,
        source          TEXT NOT NULL,
        status          TEXT NOT NULL,
        raw_code        TEXT NOT NULL,
        effective_date  TEXT,
        -- Correlation keys, copied out of the event for lookups.
        patient_control_number          TEXT,
        clearinghouse_claim_id          TEXT,
        payer_claim_number              TEXT,
        interchange_control_number      TEXT,
        group_control_number            TEXT,
        transaction_set_control_number  TEXT,
        batch_reference                 TEXT,
        clearinghouse_file_id           TEXT,
        clearinghouse_child_file_id     TEXT,
        -- The whole validated event, JSON (the `parse --json` shape).
        body            TEXT NOT NULL,
        UNIQUE (file_id, seq)
    );
    CREATE INDEX events_pcn ON events(patient_control_number);
    CREATE INDEX events_oa_claim ON events(clearinghouse_claim_id);
    CREATE INDEX events_payer_claim ON events(payer_claim_number);
    "#,
    // 2: batches, claims and the links from events to them. All of it is derived from the
    // event log (`rebuild` deletes and recomputes it); nothing here is the only copy.
    r#"
    -- One batch per 837 file we submitted (or ingested).
    CREATE TABLE batches (
        id                          INTEGER PRIMARY KEY,
        file_id                     INTEGER NOT NULL UNIQUE REFERENCES files(id),
        -- The name the file was uploaded under: Office Ally's File Summary echoes it.
        submitted_name              TEXT NOT NULL,
        interchange_control_number  TEXT,
        group_control_number        TEXT,
        batch_reference             TEXT,
        -- Office Ally's File ID for the upload, once a File Summary names it.
        clearinghouse_file_id       TEXT,
        claim_count                 INTEGER NOT NULL DEFAULT 0,
        status                      TEXT NOT NULL,
        status_reasons              TEXT NOT NULL DEFAULT '[]',
        last_update                 TEXT
    );
    CREATE INDEX batches_isa13 ON batches(interchange_control_number);
    CREATE INDEX batches_gs06 ON batches(group_control_number);
    CREATE INDEX batches_bht03 ON batches(batch_reference);
    CREATE INDEX batches_name ON batches(submitted_name);
    CREATE INDEX batches_oa_file ON batches(clearinghouse_file_id);

    -- The transaction sets (ST02) of a batch, for 999 acknowledgements.
    CREATE TABLE batch_sets (
        batch_id                        INTEGER NOT NULL REFERENCES batches(id),
        transaction_set_control_number  TEXT NOT NULL,
        PRIMARY KEY (batch_id, transaction_set_control_number)
    );

    -- Office Ally's per-payer child files of an upload.
    CREATE TABLE child_files (
        clearinghouse_child_file_id TEXT PRIMARY KEY,
        batch_id                    INTEGER NOT NULL REFERENCES batches(id),
        payer_id                    TEXT,
        payer_name                  TEXT
    );

    -- One claim per CLM of a batch, and one per claim that only ever appears in responses
    -- (batch_id NULL: submitted by other software).
    CREATE TABLE claims (
        id                              INTEGER PRIMARY KEY,
        batch_id                        INTEGER REFERENCES batches(id),
        transaction_set_control_number  TEXT,
        patient_control_number          TEXT NOT NULL,
        clearinghouse_claim_id          TEXT,
        payer_claim_number              TEXT,
        patient_name                    TEXT,
        service_date_from               TEXT,
        service_date_to                 TEXT,
        charged_cents                   INTEGER,
        paid_cents                      INTEGER,
        payer_id                        TEXT,
        payer_name                      TEXT,
        status                          TEXT NOT NULL,
        status_source                   TEXT,
        status_reasons                  TEXT NOT NULL DEFAULT '[]',
        last_update                     TEXT
    );
    CREATE INDEX claims_batch ON claims(batch_id);
    CREATE INDEX claims_pcn ON claims(patient_control_number);
    CREATE INDEX claims_oa ON claims(clearinghouse_claim_id);
    CREATE INDEX claims_payer ON claims(payer_claim_number);

    -- How each event was matched: to a batch, a claim, or both; `via` says by which level
    -- ("claim", "transaction_set", "interchange").
    CREATE TABLE event_links (
        event_id    INTEGER PRIMARY KEY REFERENCES events(id),
        batch_id    INTEGER REFERENCES batches(id),
        claim_id    INTEGER REFERENCES claims(id),
        via         TEXT NOT NULL
    );
    CREATE INDEX event_links_claim ON event_links(claim_id);
    CREATE INDEX event_links_batch ON event_links(batch_id);
    "#,
    // 3: bookkeeping that is not derived from files: submissions staged in the outbox and
    // their upload, and archived batches. Keyed by the 837's archived file, so it survives
    // `rebuild`.
    r#"
    CREATE TABLE submissions (
        file_id         INTEGER PRIMARY KEY REFERENCES files(id),
        -- The Office Ally-compliant name the file is staged and uploaded under.
        staged_name     TEXT NOT NULL UNIQUE,
        test_mode       INTEGER NOT NULL,
        -- Submitted despite broken Office Ally rules (the codes, JSON), or '[]'.
        forced_rules    TEXT NOT NULL DEFAULT '[]',
        queued_at       TEXT NOT NULL,
        uploaded_at     TEXT
    );
    CREATE TABLE batch_archive (
        file_id     INTEGER PRIMARY KEY REFERENCES files(id),
        archived_at TEXT NOT NULL
    );
    "#,
    // 4: find claims by CLM01 the way payers rewrite it (upper-cased, leading zeros
    // dropped) without scanning every claim.
    r#"
    CREATE INDEX claims_pcn_norm ON claims(upper(ltrim(patient_control_number, '0')));
    "#,
    // 5: a batch's own statements (claim_id NULL) without reading every link of the batch;
    // every claim view and the status derivation look them up per claim.
    r#"
    CREATE INDEX event_links_batch_claim ON event_links(batch_id, claim_id);
    "#,
    // 6: the Office Ally connection (sync). Not derived from files, so `rebuild` keeps it.
    r#"
    -- Reports downloaded from a mailbox, known by folder + name + size + mtime so a sync
    -- lists the folder and skips them without downloading again.
    CREATE TABLE remote_files (
        mailbox         TEXT NOT NULL,   -- e.g. sftp://user@host:22/outbound
        name            TEXT NOT NULL,
        size            INTEGER NOT NULL, -- bytes as the server listed them; -1 if it did not say
        mtime           INTEGER NOT NULL, -- seconds since 1970 as the server said; -1 if none
        file_id         INTEGER NOT NULL REFERENCES files(id),
        downloaded_at   TEXT NOT NULL,
        -- When the after-download policy (move) was applied; NULL while pending or when
        -- the policy is to leave files in place.
        disposed_at     TEXT,
        PRIMARY KEY (mailbox, name, size, mtime)
    );
    -- One row per connection attempt, newest last (the AWAITING alert and `doctor` quote
    -- the last success and the last error).
    CREATE TABLE connections (
        id          INTEGER PRIMARY KEY,
        at          TEXT NOT NULL,
        mailbox     TEXT NOT NULL,
        outcome     TEXT NOT NULL,   -- ok, network, host_key, auth, remote, local, interrupted
        message     TEXT NOT NULL DEFAULT ''
    );
    -- Credentials the server rejected: no further attempt with them until
    -- `sync --retry-auth`; a successful login clears every row. `credentials` is a salted,
    -- slow hash (PBKDF2-HMAC-SHA256) of host, user and password, so a different password is
    -- told apart without any password being stored or easy to recover.
    CREATE TABLE auth_block (
        credentials TEXT PRIMARY KEY,
        salt        TEXT NOT NULL,
        at          TEXT NOT NULL,
        message     TEXT NOT NULL
    );
    -- The rename of an upload from its temporary name began: after a crash, the next sync
    -- finishes it instead of uploading the batch a second time.
    ALTER TABLE submissions ADD COLUMN publishing_at TEXT;
    -- Alerts as they were raised and resolved. The rules compute the open ones
    -- (tracking::alerts); this remembers when each was first raised and when it went away,
    -- so `sync` can say how many are new.
    CREATE TABLE alerts (
        key         TEXT PRIMARY KEY,   -- kind:batch:claim
        kind        TEXT NOT NULL,
        batch_id    INTEGER,
        claim_id    INTEGER,
        raised_at   TEXT NOT NULL,      -- when the condition began
        recorded_at TEXT NOT NULL,      -- when claimtrack first saw it
        resolved_at TEXT
    );
    "#,
    // 7: what the views and alerts used to compute per claim from the event log on every
    // call (1.3 s for `alerts` at 100,000 claims), now stored by `derive` when a claim's
    // facts change. Existing claims are filled in with the same queries the views ran.
    r#"
    -- When Office Ally or a payer last said anything about the claim (its own statements
    -- and those about its transaction set or file): the 7-day tracking window runs from here.
    ALTER TABLE claims ADD COLUMN last_response TEXT;
    -- The earliest statement that the payer accepted the claim (or that it is pending): the
    -- ERA follow-up alert's wait runs from here.
    ALTER TABLE claims ADD COLUMN payer_accepted_at TEXT;
    UPDATE claims SET
        last_response = (SELECT MAX(t) FROM (
            SELECT f.first_seen AS t FROM event_links l JOIN events e ON e.id = l.event_id JOIN files f ON f.id = e.file_id
            WHERE l.claim_id = claims.id AND e.source IN ('clearinghouse', 'payer')
            UNION ALL
            SELECT f.first_seen FROM event_links l JOIN events e ON e.id = l.event_id JOIN files f ON f.id = e.file_id
            WHERE l.claim_id IS NULL AND l.batch_id = claims.batch_id AND e.source IN ('clearinghouse', 'payer')
              AND (l.via = 'interchange'
                   OR (l.via = 'transaction_set' AND e.transaction_set_control_number = claims.transaction_set_control_number)))),
        payer_accepted_at = (SELECT MIN(t) FROM (
            SELECT f.first_seen AS t FROM event_links l JOIN events e ON e.id = l.event_id JOIN files f ON f.id = e.file_id
            WHERE l.claim_id = claims.id AND e.level != 'service_line'
              AND ((e.source = 'payer' AND e.status IN ('accepted', 'accepted_with_errors')) OR e.status = 'pending')
            UNION ALL
            SELECT f.first_seen FROM event_links l JOIN events e ON e.id = l.event_id JOIN files f ON f.id = e.file_id
            WHERE l.claim_id IS NULL AND l.batch_id = claims.batch_id
              AND (l.via = 'interchange'
                   OR (l.via = 'transaction_set' AND e.transaction_set_control_number = claims.transaction_set_control_number))
              AND ((e.source = 'payer' AND e.status IN ('accepted', 'accepted_with_errors')) OR e.status = 'pending')));
    -- Rejected claims per batch (the `batches` list) and the `errors` view without reading
    -- every claim row.
    CREATE INDEX claims_batch_status ON claims(batch_id, status);
    CREATE INDEX claims_status ON claims(status);
    -- A prefix of claims_batch_status: one index less to write per claim.
    DROP INDEX claims_batch;
    "#,
    // 8: whether a claim has its own paid, denied or reversed statement (an 835 for it),
    // stored by `derive`: the ERA follow-up alert looked it up in the event log for every
    // accepted claim on every `alerts` (and after every sync).
    r#"
    ALTER TABLE claims ADD COLUMN has_remittance INTEGER NOT NULL DEFAULT 0;
    UPDATE claims SET has_remittance = EXISTS (
        SELECT 1 FROM event_links l JOIN events e ON e.id = l.event_id
        WHERE l.claim_id = claims.id AND e.status IN ('paid', 'denied', 'reversed'));
    -- What the archiving rule reads of every claim of every batch (alerts), so it reads
    -- this index rather than the claim rows and their reasons; (batch_id, status) also
    -- serves the rejected count of the `batches` list and `errors` of one batch.
    CREATE INDEX claims_archive ON claims(batch_id, status, last_update, last_response, patient_control_number);
    DROP INDEX claims_batch_status;
    "#,
    // 9: no query looks events up by their claim keys (claims are found in `claims`, a
    // claim's events through `event_links`); every stored event paid for three indexes.
    r#"
    DROP INDEX events_pcn;
    DROP INDEX events_oa_claim;
    DROP INDEX events_payer_claim;
    "#,
    // 10: the billing provider each claim's 837 named (2010AA: NPI, tax id), so that a
    // statement about one billing provider (277CA 2200C) reaches that provider's claims of the
    // batch (tracking::provider). Claims of a batch take them from their stored 837 claim
    // event; claims known only from responses have none (no 837 named their billing provider).
    r#"
    ALTER TABLE claims ADD COLUMN billing_npi TEXT;
    ALTER TABLE claims ADD COLUMN billing_tax_id TEXT;
    UPDATE claims SET
        billing_npi = (
            SELECT json_extract(p.value, '$.npi')
            FROM event_links l JOIN events e ON e.id = l.event_id, json_each(e.body, '$.claim.providers') p
            WHERE l.claim_id = claims.id AND e.source = 'submitter' AND e.level = 'claim'
              AND json_extract(p.value, '$.role') = 'billing'
            ORDER BY e.id, p.key LIMIT 1),
        billing_tax_id = (
            SELECT json_extract(p.value, '$.tax_id')
            FROM event_links l JOIN events e ON e.id = l.event_id, json_each(e.body, '$.claim.providers') p
            WHERE l.claim_id = claims.id AND e.source = 'submitter' AND e.level = 'claim'
              AND json_extract(p.value, '$.role') = 'billing'
            ORDER BY e.id, p.key LIMIT 1)
    WHERE batch_id IS NOT NULL;
    "#,
    // 11: the patient's share of the newest claim-level payment, denial or reversal (835
    // CLP05), stored by `derive` beside `paid_cents` for the money the views show. Existing
    // rows get it from their stored events here.
    r#"
    ALTER TABLE claims ADD COLUMN patient_responsibility_cents INTEGER;
    UPDATE claims SET patient_responsibility_cents = (
        SELECT json_extract(e.body, '$.amounts.patient_responsibility')
        FROM event_links l JOIN events e ON e.id = l.event_id
        WHERE l.claim_id = claims.id AND e.level = 'claim' AND e.status IN ('paid', 'denied', 'reversed')
        ORDER BY COALESCE(e.effective_date, '') DESC, e.file_id DESC, e.seq DESC LIMIT 1);
    -- `resend`: how often a batch Office Ally never answered was sent again, and when last.
    ALTER TABLE submissions ADD COLUMN resends INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE submissions ADD COLUMN last_resent_at TEXT;
    -- The name the 837 had when it was submitted or ingested (`claimtrack batch walk-ins.837`):
    -- in `files` it follows the file's bytes, so reading it there walks the whole blob.
    ALTER TABLE batches ADD COLUMN original_name TEXT;
    UPDATE batches SET original_name = (SELECT f.original_name FROM files f WHERE f.id = batches.file_id);
    CREATE INDEX batches_original_name ON batches(original_name COLLATE NOCASE);
    "#,
    // 12: a compact stored form of events (`store::event_log`): the codes with their
    // descriptions, and the parties, that events repeat are stored once and named by id.
    // Bodies stored before keep their form and still read; `rebuild` rewrites them.
    r#"
    CREATE TABLE event_codes (
        id          INTEGER PRIMARY KEY,
        code_set    TEXT NOT NULL,
        code        TEXT NOT NULL,
        description TEXT
    );
    CREATE INDEX event_codes_code ON event_codes(code_set, code);
    CREATE TABLE event_parties (
        id           INTEGER PRIMARY KEY,
        name         TEXT,
        party_id     TEXT,
        id_qualifier TEXT
    );
    "#,
    // 13: stable ids for batches and claims, and the change log (`store::changes`).
    r#"
    -- Ids that survive `rebuild` (which forgets every batch and claim and derives them again):
    -- a batch is its 837's SHA-256 ("B" + 16 hex digits); a claim of an 837 is its batch's id
    -- and its place in the 837 ("B….-0000003"); a claim first seen in a response is that file's
    -- SHA-256 and the event's position in it ("R….-0000041"). Numbers have seven digits so
    -- that a file's ids sort in the order they are made: the index takes them in order.
    ALTER TABLE batches ADD COLUMN uid TEXT;
    ALTER TABLE claims ADD COLUMN uid TEXT;
    UPDATE batches SET uid = 'B' || substr((SELECT f.sha256 FROM files f WHERE f.id = batches.file_id), 1, 16);
    UPDATE claims SET uid = (
        SELECT 'R' || substr(f.sha256, 1, 16) || '-' || printf('%07d', e.seq)
        FROM event_links l JOIN events e ON e.id = l.event_id JOIN files f ON f.id = e.file_id
        WHERE l.claim_id = claims.id ORDER BY e.id LIMIT 1);
    UPDATE claims SET uid = n.uid FROM (
        SELECT c.id, b.uid || '-' || printf('%07d', ROW_NUMBER() OVER (PARTITION BY c.batch_id ORDER BY c.id)) AS uid
        FROM claims c JOIN batches b ON b.id = c.batch_id
        WHERE EXISTS (SELECT 1 FROM event_links l JOIN events e ON e.id = l.event_id
                      WHERE l.claim_id = c.id AND e.file_id = b.file_id AND e.source = 'submitter')
    ) n WHERE n.id = claims.id;
    UPDATE claims SET uid = 'C' || id WHERE uid IS NULL;
    CREATE UNIQUE INDEX batches_uid ON batches(uid);
    CREATE UNIQUE INDEX claims_uid ON claims(uid);

    -- The change log: what changed, in order; `id` is the cursor a reader keeps.
    CREATE TABLE changes (
        id       INTEGER PRIMARY KEY AUTOINCREMENT,
        at       TEXT NOT NULL,
        -- 'file' (subject: its SHA-256), 'batch' or 'claim' (its uid), 'alert' (its key).
        kind     TEXT NOT NULL CHECK (kind IN ('file', 'batch', 'claim', 'alert')),
        subject  TEXT NOT NULL,
        -- The status (a file's outcome, an alert's kind) before and after: NULL before for
        -- something new, NULL after for something gone (an alert resolved).
        before   TEXT,
        after    TEXT,
        -- A file's name; the batch of an alert.
        detail   TEXT
    );
    -- What was logged without a time, for `flush` to give it the transaction's. Batches and
    -- claims are logged by `derive` (and a rebuild by comparing before and after: triggers
    -- on `claims` cost 24 µs a row, a second for a 20,000-claim ERA); a file's outcome
    -- changed by a rebuild, by the rebuild; new files and alerts, by the triggers below.
    CREATE INDEX changes_untimed ON changes(id) WHERE at = '';
    CREATE TRIGGER files_new AFTER INSERT ON files BEGIN
        INSERT INTO changes (at, kind, subject, after, detail) VALUES (new.first_seen, 'file', new.sha256, new.outcome, new.original_name);
    END;
    CREATE TRIGGER alerts_new AFTER INSERT ON alerts BEGIN
        INSERT INTO changes (at, kind, subject, after, detail)
        VALUES (new.recorded_at, 'alert', new.key, new.kind, (SELECT uid FROM batches WHERE id = new.batch_id));
    END;
    CREATE TRIGGER alerts_open AFTER UPDATE OF resolved_at ON alerts WHEN (old.resolved_at IS NULL) <> (new.resolved_at IS NULL) BEGIN
        INSERT INTO changes (at, kind, subject, before, after, detail)
        VALUES (COALESCE(new.resolved_at, new.recorded_at), 'alert', new.key,
                CASE WHEN new.resolved_at IS NULL THEN NULL ELSE new.kind END,
                CASE WHEN new.resolved_at IS NULL THEN new.kind ELSE NULL END,
                (SELECT uid FROM batches WHERE id = new.batch_id));
    END;
    "#,
    // 14: API tokens (`claimtrack token`, `claimtrack serve`): stored as their SHA-256 only.
    r#"
    CREATE TABLE api_tokens (
        id          INTEGER PRIMARY KEY,
        name        TEXT NOT NULL,
        hash        TEXT NOT NULL UNIQUE,
        created_at  TEXT NOT NULL,
        revoked_at  TEXT
    );
    CREATE INDEX api_tokens_name ON api_tokens(name);
    "#,
    // 15: alerts known by the stable ids of their batch and claim (`tracking::alerts::record`),
    // not their numbers, which a rebuild changes: the change log no longer resolves and
    // raises every open alert again after one. A key that two old rows now share keeps one.
    r#"
    UPDATE OR REPLACE alerts SET key = kind
        || ':' || COALESCE((SELECT uid FROM batches WHERE id = alerts.batch_id), '-')
        || ':' || COALESCE((SELECT uid FROM claims WHERE id = alerts.claim_id), '-');
    "#,
    // 16: webhooks (`crate::webhooks`): what each is owed is written by a trigger in the
    // transaction that logs the change, so nothing committed is missed by any process.
    r#"
    CREATE TABLE webhooks (
        id          INTEGER PRIMARY KEY,
        url         TEXT NOT NULL,
        -- The kinds of change it gets: 'status', 'alert', 'file', comma-separated.
        events      TEXT NOT NULL,
        -- The HMAC-SHA256 key it is signed with; kept because signing needs it, shown once.
        secret      TEXT NOT NULL,
        created_at  TEXT NOT NULL,
        removed_at  TEXT
    );
    CREATE TABLE webhook_outbox (
        webhook_id      INTEGER NOT NULL REFERENCES webhooks(id),
        change_id       INTEGER NOT NULL REFERENCES changes(id),
        -- 'pending', 'delivered', or 'expired' (failing for 3 days: given up).
        state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'expired')),
        attempts        INTEGER NOT NULL DEFAULT 0,
        last_attempt_at TEXT,
        last_error      TEXT,
        delivered_at    TEXT,
        PRIMARY KEY (webhook_id, change_id)
    );
    CREATE INDEX webhook_outbox_pending ON webhook_outbox(webhook_id, change_id) WHERE state = 'pending';
    CREATE TRIGGER changes_owed AFTER INSERT ON changes BEGIN
        INSERT INTO webhook_outbox (webhook_id, change_id)
        SELECT id, new.id FROM webhooks
        WHERE removed_at IS NULL
          AND instr(',' || events || ',', ',' || CASE new.kind WHEN 'batch' THEN 'status' WHEN 'claim' THEN 'status' ELSE new.kind END || ',') > 0;
    END;
    "#,
    r#"
    -- Dashboard sign-in codes (`serve`, `claimtrack dashboard`): stored as SHA-256, one use each.
    CREATE TABLE signin_codes (
        hash        TEXT PRIMARY KEY,
        created_at  TEXT NOT NULL,
        expires_at  TEXT NOT NULL,
        used_at     TEXT
    );
    "#,
    r#"
    -- Files by arrival (the dashboard's payments this week): a scan of files reads past each
    -- file's bytes to reach these columns.
    CREATE INDEX files_arrived ON files(first_seen, format);
    "#,
    r#"
    -- The last reports of `claimtrack doctor` (or the dashboard's connection check), JSON.
    CREATE TABLE doctor_reports (
        id      INTEGER PRIMARY KEY,
        at      TEXT NOT NULL,
        report  TEXT NOT NULL
    );
    "#,
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

#[derive(Debug)]
pub(crate) enum MigrateError {
    TooNew { found: u32 },
    Sql(rusqlite::Error),
}

impl From<rusqlite::Error> for MigrateError {
    fn from(e: rusqlite::Error) -> Self {
        MigrateError::Sql(e)
    }
}

/// Apply every migration the database has not had yet.
pub(crate) fn migrate(conn: &mut Connection) -> Result<(), MigrateError> {
    migrate_to(conn, SCHEMA_VERSION)
}

fn migrate_to(conn: &mut Connection, target: u32) -> Result<(), MigrateError> {
    let current: u32 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if current > SCHEMA_VERSION {
        return Err(MigrateError::TooNew { found: current });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().take(target as usize).skip(current as usize) {
        // IMMEDIATE: two processes opening a new database at once migrate one after the
        // other; the second then finds nothing left to do.
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let now: u32 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if now as usize > i {
            tx.commit()?;
            continue;
        }
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i as u32 + 1)?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A claim registered before schema 10 learns its billing provider from its stored 837
    /// event; a claim known only from responses stays without one.
    #[test]
    fn migration_10_fills_the_billing_provider_from_the_837() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate_to(&mut conn, 9).unwrap();
        let providers = r#"[{"role":"rendering","name":null,"npi":"1111111112","tax_id":null},
                            {"role":"billing","name":"CLINIC","npi":"1234567893","tax_id":"123456789"}]"#;
        let body =
            format!(r#"{{"level":"claim","source":"submitter","claim":{{"patient_control_number":"P1","providers":{providers}}}}}"#);
        conn.execute_batch(&format!(
            "INSERT INTO files (id, sha256, size, bytes, original_name, origin, first_seen, last_seen, kind, outcome)
                 VALUES (1, 'a', 0, x'', 'b.837', 'ingest', 't', 't', 'document', 'parsed');
             INSERT INTO events (id, file_id, seq, plugin, plugin_version, level, source, status, raw_code, body)
                 VALUES (1, 1, 0, 'x12-837', '0.1.0', 'claim', 'submitter', 'received', 'CLM', '{body}'),
                        (2, 1, 1, 'x12-277', '0.1.0', 'claim', 'payer', 'accepted', 'A2', '{body}');
             INSERT INTO batches (id, file_id, submitted_name, status) VALUES (1, 1, 'b.837', 'AWAITING');
             INSERT INTO claims (id, batch_id, patient_control_number, status) VALUES (1, 1, 'P1', 'AWAITING'),
                                                                                   (2, NULL, 'P1', 'AWAITING');
             INSERT INTO event_links (event_id, batch_id, claim_id, via) VALUES (1, 1, 1, 'claim'), (2, NULL, 2, 'claim');"
        ))
        .unwrap();
        migrate(&mut conn).unwrap();
        let billing = |id: i64| -> (Option<String>, Option<String>) {
            let sql = "SELECT billing_npi, billing_tax_id FROM claims WHERE id = ?1";
            conn.query_row(sql, [id], |r| Ok((r.get(0)?, r.get(1)?))).unwrap()
        };
        assert_eq!(billing(1), (Some("1234567893".into()), Some("123456789".into())));
        assert_eq!(billing(2), (None, None));
    }

    /// Schema 13 gives existing batches and claims the stable ids new ones get (an 837's
    /// claims by their place in it, a claim first seen in a response by that statement),
    /// and starts an empty change log.
    #[test]
    fn migration_13_gives_existing_batches_and_claims_stable_ids_and_logs_nothing_old() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate_to(&mut conn, 12).unwrap();
        conn.execute_batch(
            "INSERT INTO files (id, sha256, size, bytes, original_name, origin, first_seen, last_seen, kind, outcome)
                 VALUES (1, 'aaaaaaaaaaaaaaaaaaaaaaaa', 0, x'', 'b.837', 'ingest', 't', 't', 'document', 'parsed'),
                        (2, 'bbbbbbbbbbbbbbbbbbbbbbbb', 0, x'', 'r.835', 'sftp', 't', 't', 'document', 'parsed');
             INSERT INTO events (id, file_id, seq, plugin, plugin_version, level, source, status, raw_code, body)
                 VALUES (1, 1, 0, 'x12-837', '0.1.0', 'claim', 'submitter', 'received', 'CLM', '{}'),
                        (2, 1, 3, 'x12-837', '0.1.0', 'claim', 'submitter', 'received', 'CLM', '{}'),
                        (3, 2, 4, 'x12-835', '0.1.0', 'claim', 'payer', 'paid', 'CLP02 1', '{}'),
                        (4, 2, 9, 'x12-835', '0.1.0', 'claim', 'payer', 'paid', 'CLP02 1', '{}');
             INSERT INTO batches (id, file_id, submitted_name, status) VALUES (7, 1, 'b.837', 'AWAITING');
             INSERT INTO claims (id, batch_id, patient_control_number, status)
                 VALUES (10, 7, 'P1', 'AWAITING'), (11, 7, 'P2', 'PAID'), (12, NULL, 'P9', 'PAID'), (13, 7, 'P8', 'DENIED');
             INSERT INTO event_links (event_id, batch_id, claim_id, via)
                 VALUES (1, 7, 10, 'claim'), (2, 7, 11, 'claim'), (3, 7, 11, 'claim'), (4, 7, 13, 'claim');",
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let uid = |table: &str, id: i64| -> String {
            conn.query_row(&format!("SELECT uid FROM {table} WHERE id = ?1"), [id], |r| r.get(0)).unwrap()
        };
        assert_eq!(uid("batches", 7), "Baaaaaaaaaaaaaaaa");
        assert_eq!((uid("claims", 10), uid("claims", 11)), ("Baaaaaaaaaaaaaaaa-0000001".into(), "Baaaaaaaaaaaaaaaa-0000002".into()));
        // In the batch by a response, not by the 837: named by the 835's statement.
        assert_eq!(uid("claims", 13), "Rbbbbbbbbbbbbbbbb-0000009");
        // Nothing links it: a placeholder that is still unique.
        assert_eq!(uid("claims", 12), "C12");
        let n = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
        assert_eq!(n("SELECT COUNT(*) FROM changes"), 0, "the statuses as they were are not changes");
        // From now on, a new file is logged, and `flush` gives it the transaction's time.
        conn.execute_batch(
            "INSERT INTO files (id, sha256, size, bytes, original_name, origin, first_seen, last_seen, kind, outcome)
                 VALUES (3, 'cccc', 0, x'', 'c.999', 'sftp', '', '', 'document', 'parsed');",
        )
        .unwrap();
        assert_eq!(crate::store::changes::flush(&conn, "2026-01-01T00:00:00Z").unwrap(), 1);
        let logged: (String, String, String, String) = conn
            .query_row("SELECT at, kind, subject, after FROM changes", [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap();
        assert_eq!(logged, ("2026-01-01T00:00:00Z".into(), "file".into(), "cccc".into(), "parsed".into()));
    }

    #[test]
    fn migrations_apply_from_every_earlier_version() {
        for start in 0..=SCHEMA_VERSION {
            let mut conn = Connection::open_in_memory().unwrap();
            migrate_to(&mut conn, start).unwrap();
            let v: u32 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
            assert_eq!(v, start);
            migrate(&mut conn).unwrap();
            let v: u32 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
            assert_eq!(v, SCHEMA_VERSION, "from version {start}");
            let ok: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
            assert_eq!(ok, "ok");
        }
    }
}
