-- Where each bot session (one run of market_maker) starts and ends inside each source in scope.
-- A session begins at the first event of a source, after `Market maker stopped.` (kind mm_stopped),
-- after cargo's `Running ...market_maker` line of a console capture, and at the first line of a
-- start-up sequence (kinds `start_kinds` below: the validator, HIP-3 and `Starting market maker`
-- lines of the January and March code, the paper-trading start of the March code, whose live run
-- follows its paper phase in the same file). A start line
-- opens a session only when the run before it has progressed past its own start-up (an event of
-- another family came after the last start line): the optional lines the bot writes between its
-- start lines (price precision, leverage variants, HIP-3 notes) therefore never split a run.
-- The id is derived from the session's first event, so the same log content always gives the
-- same id. A repeated line or a stamp far off its neighbours (stg_event_checks) is left out of the
-- split and of the session's times: such lines still belong to the session, they do not shape it.
with scoped as (
    -- duplicates and stray timestamps (stg_event_checks) neither open sessions nor set their times
    select e.source_id, e.byte_offset, e.ts, e.ts_raw, e.message, k.kind, k.family
    from events as e
    join scope_sources using (source_id)
    left join stg_kinds as k using (source_id, byte_offset)
    anti join stg_event_checks as c using (source_id, byte_offset)
),

start_kinds as (
    select unnest([
        'startup_validator', 'startup_hip3', 'startup_hip3_prefix', 'startup_hip3_collateral',
        'startup_hip3_dex', 'startup_begin', 'paper_autoderive', 'paper_started'
    ]) as kind
),

progress as (
    -- start lines and the events that show a run got past its start-up, in file order
    select
        source_id, byte_offset, kind,
        kind in (select kind from start_kinds) as is_start
    from scoped
    where kind in (select kind from start_kinds)
       or family not in ('startup', 'other')
),

starts as (
    select *, lag(is_start) over (partition by source_id order by byte_offset) as after_start
    from progress
),

boundaries as (
    select source_id, byte_offset + 1 as starts_at
    from scoped
    where kind = 'mm_stopped'
    union all
    select source_id, byte_offset
    from starts
    where is_start and not coalesce(after_start, false)
    union all
    -- cargo's `Running ...market_maker` line opens a run of a console capture: it and what follows
    -- belong to the new session
    select o.source_id, o.byte_offset
    from other_lines as o
    join scope_sources using (source_id)
    where o.reason = 'console' and regexp_matches(o.preview, '^\s*Running `[^`]*market_maker')
),

marks as (
    select source_id, starts_at as pos, 1 as is_boundary, null::varchar as ts_raw, null::timestamptz as ts,
           null::varchar as message
    from boundaries
    union all
    select source_id, byte_offset, 0, ts_raw, ts, message
    from scoped
),

numbered as (
    select
        *,
        sum(is_boundary) over (
            partition by source_id order by pos, is_boundary desc rows unbounded preceding
        ) as session_seq
    from marks
),

per_session as (
    select
        source_id,
        session_seq,
        min(pos) filter (where is_boundary = 0) as start_offset,
        arg_min(ts_raw, pos) filter (where is_boundary = 0) as started_at,
        arg_min(message, pos) filter (where is_boundary = 0) as first_message,
        arg_max(ts_raw, pos) filter (where is_boundary = 0) as ended_at,
        max(pos) filter (where is_boundary = 0) as last_offset,
        min(ts) filter (where is_boundary = 0) as first_ts,
        max(ts) filter (where is_boundary = 0) as last_ts,
        count(*) filter (where is_boundary = 0) as n_events
    from numbered
    group by all
    having count(*) filter (where is_boundary = 0) > 0
),

kept as (
    select *, lag(last_offset) over (partition by source_id order by start_offset) as previous_last_offset
    from per_session
),

-- Non-event lines (cargo output, banners) between two runs belong to the later run: a session
-- after the first one takes every line from the first boundary after the previous session's last
-- event (e.g. just after `Market maker stopped.`).
opened as (
    select k.source_id, k.start_offset, min(b.starts_at) as opened_at
    from kept as k
    join boundaries as b
        on b.source_id = k.source_id and b.starts_at > k.previous_last_offset and b.starts_at <= k.start_offset
    group by all
),

final as (
    select
        strftime(first_ts, '%Y%m%dT%H%M%SZ') || '-'
            || left(sha256(started_at || '|' || coalesce(first_message, '') || '|' || start_offset), 8)
            as session_id,
        source_id,
        row_number() over (partition by source_id order by start_offset) as session_no,
        start_offset,
        -- lines before a source's first event (cargo output) belong to its first session
        case when row_number() over (partition by source_id order by start_offset) = 1 then 0
             else coalesce(o.opened_at, start_offset) end as join_from,
        lead(start_offset) over (partition by source_id order by start_offset) as next_start_offset,
        started_at,
        ended_at,
        first_ts,
        last_ts,
        n_events
    from kept
    left join opened as o using (source_id, start_offset)
)

select * from final
