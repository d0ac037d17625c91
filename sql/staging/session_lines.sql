-- Line counts of every session in scope: events by level and other (non-event) lines by reason.
with scoped_events as (
    select e.source_id, e.byte_offset, e.level
    from events as e
    join scope_sources using (source_id)
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
        count(*) filter (where e.level = 'ERROR') as error
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
        o.other_by_reason
    from session_bounds as b
    join scope_sources using (source_id)
    left join event_counts as e using (session_id)
    left join other_counts as o using (session_id)
)

select * from final
