-- Raw store: what the log said, line by line, and how far each source has been read.
-- Loaded by mmwatch.ingest; never edited afterwards (derived tables are rebuilt from these).

create table if not exists sources (
    source_id        varchar primary key,   -- stable id of one log file's content
    path             varchar not null,      -- where it was last seen
    fingerprint      varchar not null,      -- sha256 of its first fp_len bytes (identity, not path or inode)
    fp_len           integer not null,
    committed_offset bigint  not null,      -- bytes loaded; the next pull starts here
    committed_lines  bigint  not null,      -- lines loaded (for line numbers)
    size_seen        bigint  not null,      -- file size at the last pull
    events           bigint  not null,
    other            bigint  not null,
    first_seen       timestamptz not null,
    last_pull        timestamptz not null
);

create table if not exists events (
    source_id   varchar not null,
    byte_offset bigint  not null,          -- where the line starts in the source file
    line_no     bigint  not null,          -- 1-based
    ts          timestamptz,
    ts_raw      varchar not null,          -- the timestamp as written (RFC 3339 UTC)
    level       varchar not null,
    target      varchar,                   -- null in the pretty format (not printed)
    message     varchar,
    fields      json,                      -- every field, message included, as the bot wrote it
    span        json,
    spans       json,
    format      varchar not null           -- json | pretty
);

create table if not exists other_lines (
    source_id   varchar not null,
    byte_offset bigint  not null,
    line_no     bigint  not null,
    reason      varchar not null,          -- console | continuation | malformed_json | truncated | blank |
                                           -- bad_timestamp | too_deep | too_long | nul_byte | invalid_utf8 | ...
    byte_len    bigint  not null,          -- the line's length in the file
    preview     varchar not null,          -- first 500 characters, invalid bytes replaced
    raw         blob    not null           -- the line exactly as read (a too_long line: its first 64 KiB)
);
