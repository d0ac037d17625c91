-- Ladder capacity: configured levels against the levels the margin allowed (log_format.md §3.12,
-- §3.16), empty ladders of every era, and the capital tier of the March code (Micro and Small
-- tiers skip the entropy optimizer by design: mm/config/capacity.rs).
with ladder as (
    select session_id, byte_offset, line_no, ts, 'reduced' as kind,
        try_cast(fld(fields, 'configured') as integer) as configured,
        try_cast(fld(fields, 'effective_bid') as integer) as effective_bid,
        try_cast(fld(fields, 'effective_ask') as integer) as effective_ask,
        null::double as entropy,
        null::integer as active_levels,
        null::varchar as capital_tier,
        message
    from stg_events
    where kind = 'ladder_reduced'
    union all
    select session_id, byte_offset, line_no, ts, 'configured',
        try_cast(fld(fields, 'num_levels') as integer), null, null, null, null, null, message
    from stg_events
    where kind = 'ladder_configured'
    union all
    select session_id, byte_offset, line_no, ts, 'empty', null, 0, 0, null, null, null, message
    from stg_events
    where kind = 'ladder_empty'
    union all
    select session_id, byte_offset, line_no, ts,
        if(kind = 'entropy_bids', 'entropy_bids', 'entropy_asks'), null, null, null,
        fnum(fields, 'entropy'), try_cast(fld(fields, 'active_levels') as integer), null, message
    from stg_events
    where kind in ('entropy_bids', 'entropy_asks')
    union all
    select session_id, byte_offset, line_no, ts, 'capacity', null, null, null, null,
        try_cast(fld(fields, 'viable_levels') as integer), fld(fields, 'capital_tier'), message
    from stg_events
    where kind in ('capacity_diagnostic', 'paper_autoderive')
),

final as (
    select * from ladder
)

select * from final
