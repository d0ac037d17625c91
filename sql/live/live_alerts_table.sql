-- Alerts raised by `mmwatch supervise` while the bot runs and when it ends (one row per alert).
create table if not exists live_alerts (
    alert_id     varchar primary key,    -- <supervise id>-r<run>-<rule id>
    supervise_id varchar not null,       -- one `mmwatch supervise` invocation (all its restarts)
    run_no       integer not null,       -- 1 for the first start, 2 after the first restart, ...
    rule_id      varchar not null,       -- KILL-SWITCH, FILL-UNTRACKED, ..., BOT-CRASH, LOG-STALE
    severity     varchar not null,
    title        varchar not null,
    summary      varchar not null,
    log_file     varchar,
    source_id    varchar,
    detected_at  timestamptz not null,
    evidence     json,                   -- [{line_no, ts, text}], at most 10
    record       json not null           -- the whole alert as written to <out>/live_alerts/
);
