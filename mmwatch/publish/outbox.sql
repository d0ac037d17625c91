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
    primary key (target_url, key)
);
