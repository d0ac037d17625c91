-- Line counts of every session in scope: events by level and other (non-event) lines by reason,
-- plus the events that do not shape the session (stg_event_checks): repeated lines, and stamps
-- that jump off their neighbours or fall outside the session's first and last time.
with scoped_events as (
    select e.source_id, e.byte_offset, e.level, e.ts, e.line_no, coalesce(c.is_duplicate, false) as is_duplicate,
           coalesce(c.is_time_jump, false) as is_time_jump
    from events as e
    join scope_sources using (source_id)
    left join stg_event_checks as c using (source_id, byte_offset)
),

scoped_other as (
    select o.source_id, o.byte_offset, o.reason
    from other_lines as o
    join scope_sources using (source_id)
),

event_counts as (
    select
        b.session_id,
        count(*) as events,
        count(*) filter (where e.level = 'TRACE') as trace,
        count(*) filter (where e.level = 'DEBUG') as debug,
        count(*) filter (where e.level = 'INFO') as info,
        count(*) filter (where e.level = 'WARN') as warn,
        count(*) filter (where e.level = 'ERROR') as error,
        count(*) filter (where e.is_duplicate) as duplicates,
        -- 60 s of slack: the bot's writers stamp at format time and may interleave slightly
        count(*) filter (where e.is_time_jump or e.ts < b.first_ts - interval 60 second
                         or e.ts > b.last_ts + interval 60 second) as time_outliers,
        list(e.line_no order by e.byte_offset) filter (
            where e.is_time_jump or e.ts < b.first_ts - interval 60 second or e.ts > b.last_ts + interval 60 second
        )[1:10] as time_outlier_lines,
        list(e.line_no order by e.byte_offset) filter (where e.is_duplicate)[1:10] as duplicate_lines
    from scoped_events as e
    asof join session_bounds as b
        on e.source_id = b.source_id and e.byte_offset >= b.join_from
    group by all
),

other_by_reason as (
    select b.session_id, o.reason, count(*) as n
    from scoped_other as o
    asof join session_bounds as b
        on o.source_id = b.source_id and o.byte_offset >= b.join_from
    group by all
),

other_counts as (
    select session_id, sum(n)::bigint as other, map_from_entries(list({'k': reason, 'v': n})) as other_by_reason
    from other_by_reason
    group by all
),

final as (
    select
        b.session_id,
        coalesce(e.events, 0) + coalesce(o.other, 0) as total,
        coalesce(e.events, 0) as events,
        coalesce(o.other, 0) as other,
        coalesce(e.trace, 0) as trace,
        coalesce(e.debug, 0) as debug,
        coalesce(e.info, 0) as info,
        coalesce(e.warn, 0) as warn,
        coalesce(e.error, 0) as error,
        coalesce(e.duplicates, 0) as duplicates,
        coalesce(e.time_outliers, 0) as time_outliers,
        coalesce(e.time_outlier_lines, []) as time_outlier_lines,
        coalesce(e.duplicate_lines, []) as duplicate_lines,
        o.other_by_reason
    from session_bounds as b
    join scope_sources using (source_id)
    left join event_counts as e using (session_id)
    left join other_counts as o using (session_id)
)

select * from final
