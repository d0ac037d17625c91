-- Position samples over time: after each fill, from the periodic metrics, and at shutdown (§3.5).
with from_fills as (
    select session_id, byte_offset, line_no, ts, position_after as position,
           if(tracked, 'fill', 'untracked_fill') as kind
    from fills
    join scope_sessions using (session_id)
    where position_after is not null
),

from_events as (
    select session_id, byte_offset, line_no, ts,
        case
            when message = 'Final position state' then fnum(fields, 'position')
            when message = 'Market maker metrics' then fnum(fields, 'position')
            when message = 'Queried initial position' then fnum(fields, 'initial_position')
            else try_cast(regexp_extract(message, '^Position verified: (\S+)', 1) as double)
        end as position,
        case
            when message = 'Final position state' then 'final'
            when message = 'Market maker metrics' then 'metrics'
            when message = 'Queried initial position' then 'initial'
            else 'verified'
        end as kind
    from stg_events
    where message in ('Final position state', 'Market maker metrics', 'Queried initial position')
       or message like 'Position verified: %'
),

final as (
    select * from from_fills
    union all
    select * from from_events where position is not null
)

select * from final
