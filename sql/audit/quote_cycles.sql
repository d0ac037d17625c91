-- The March code's per-cycle `cycle_summary` (mm/orchestrator/diagnosis.rs): whether the cycle
-- quoted both sides, one side, or nothing (and what blocked it), plus `Regime transition` lines.
-- Quoting uptime = share of cycles that quoted both sides.
with cycles as (
    select session_id, byte_offset, line_no, ts, 'cycle' as kind,
        try_cast(fld(fields, 'bids') as integer) as bids,
        try_cast(fld(fields, 'asks') as integer) as asks,
        fld(fields, 'phase') as phase,
        fld(fields, 'mode') as mode,
        fld(fields, 'blocking') as blocking,
        null::varchar as regime
    from stg_events
    where kind = 'cycle_summary'
    union all
    select session_id, byte_offset, line_no, ts, 'regime', null, null, null, null, null, fld(fields, 'regime')
    from stg_events
    where kind = 'regime_transition'
),

final as (
    select *, coalesce(bids, 0) > 0 and coalesce(asks, 0) > 0 as both_sides
    from cycles
)

select * from final
