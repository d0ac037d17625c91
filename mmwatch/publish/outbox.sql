-- The publish outbox: every object is queued here (in the same DuckDB file as the audit) before
-- it is sent, and stays until the target confirmed it. A store that is down delays publishing;
-- it never loses an object. The body is dropped once the object is stored (the report folder and
-- the target both have it).
create table if not exists outbox (
    target_url varchar not null,          -- s3://bucket/prefix or file:///path
    key varchar not null,                 -- object key under the target (content-derived)
    content_type varchar not null,
    sha256 varchar not null,              -- of the masked bytes queued
    size_bytes bigint not null,
    body blob,                            -- null once sent
    session_id varchar,
    status varchar not null default 'queued',  -- queued | created | present | kept | failed
    attempts integer not null default 0,
    last_error varchar,
    queued_at timestamptz not null default current_timestamp,
    last_try_at timestamptz,
    sent_at timestamptz,
    next_try_at timestamptz,              -- a transient failure of this object: not tried before
    primary key (target_url, key)
);
-- outboxes created before per-object backoff existed
alter table outbox add column if not exists next_try_at timestamptz;

-- A target that did not answer at all (down, hanging, no such bucket, bad credentials): flushes
-- skip it until next_try_at, so the next session of the same audit does not wait for it again.
-- Reset by the first object it takes; `mmwatch publish --retry` ignores it.
create table if not exists outbox_targets (
    target_url varchar primary key,
    failures integer not null,            -- flushes in a row that found the target unreachable
    next_try_at timestamptz not null,
    last_error varchar
);
