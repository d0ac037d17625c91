-- Tables written by the rule engine and the alerting (created if missing; rows replaced per session).
create table if not exists rule_results (
    session_id varchar not null,
    rule_id varchar not null,
    title varchar,
    severity varchar not null,
    passed boolean,            -- null: evidence absent from the log ("not evaluated")
    observed json,
    threshold varchar,
    summary varchar,
    failing_rows json,         -- at most 10 evidence rows {line_no, ts, text} of a failed rule
    evaluated_at timestamptz not null,
    primary key (session_id, rule_id)
);
create table if not exists alerts (
    alert_id varchar primary key,
    session_id varchar not null,
    rule_id varchar not null,
    severity varchar not null,
    record json not null,      -- the alert record as written to <report_dir>/alerts/<RULE>.json
    channel varchar,           -- webhook url, prefect block name, or null (record only)
    delivered boolean not null,
    attempts integer not null,
    error varchar,
    created_at timestamptz not null
);
