-- Ladder capacity: configured levels against the levels the margin allowed (log_format.md §3.12, §3.16).
with ladder as (
    select session_id, byte_offset, line_no, ts, 'reduced' as kind,
        try_cast(fld(fields, 'configured') as integer) as configured,
        try_cast(fld(fields, 'effective_bid') as integer) as effective_bid,
        try_cast(fld(fields, 'effective_ask') as integer) as effective_ask,
        null::double as entropy,
        null::integer as active_levels,
        message
    from stg_events
    where message = 'Reducing ladder levels due to tight exchange limits'
    union all
    select session_id, byte_offset, line_no, ts, 'configured',
        try_cast(fld(fields, 'num_levels') as integer), null, null, null, null, message
    from stg_events
    where message = 'Using LadderStrategy (multi-level GLFT)'
    union all
    select session_id, byte_offset, line_no, ts, 'empty', null, 0, 0, null, null, message
    from stg_events
    where message like 'Ladder completely empty%'
    union all
    select session_id, byte_offset, line_no, ts,
        if(message like '%bids', 'entropy_bids', 'entropy_asks'), null, null, null,
        fnum(fields, 'entropy'), try_cast(fld(fields, 'active_levels') as integer), message
    from stg_events
    where message in ('Entropy optimizer applied to bids', 'Entropy optimizer applied to asks')
),

final as (
    select * from ladder
)

select * from final
