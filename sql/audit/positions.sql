-- Position samples over time: after each fill, from the periodic metrics, and at shutdown (§3.5).
-- Since 292edfa the bot logs `Final position state` before it closes the position on exit
-- (kind final_position = 'at_shutdown'); `Position closed on shutdown` then means 0 (kind 'closed').
with from_fills as (
    select session_id, byte_offset, line_no, ts, position_after as position,
           if(tracked, 'fill', 'untracked_fill') as kind
    from fills
    join scope_sessions using (session_id)
    where position_after is not null
),

from_events as (
    select session_id, byte_offset, line_no, ts,
        case kind
            when 'final_position' then fnum(fields, 'position')
            when 'mm_metrics' then fnum(fields, 'position')
            when 'initial_position' then fnum(fields, 'initial_position')
            when 'position_closed' then 0.0
            else try_cast(regexp_extract(message, '^Position verified: (\S+)', 1) as double)
        end as position,
        case kind
            when 'final_position' then 'at_shutdown'
            when 'mm_metrics' then 'metrics'
            when 'initial_position' then 'initial'
            when 'position_closed' then 'closed'
            else 'verified'
        end as kind
    from stg_events
    where kind in ('final_position', 'mm_metrics', 'initial_position', 'position_verified', 'position_closed')
),

final as (
    select * from from_fills
    union all
    select * from from_events where position is not null
)

select * from final
