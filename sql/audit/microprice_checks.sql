-- Crossed-mid clamps, BBO-crossing filters and microprice-vs-mid divergence (log_format.md §3.8,
-- log_format_2026-03.md §1 #20-24 and §3). Each kind is kept apart: the January code clamps a
-- crossed level (ERROR, with prices), the March code filters crossing levels (WARN, counts only)
-- or skips the whole cycle.
-- divergence_bps = (microprice - market_mid) / market_mid * 1e4
with checks as (
    select session_id, byte_offset, line_no, ts, level,
        if(kind = 'crossed_mid_bid', 'crossed_bid', 'crossed_ask') as kind,
        coalesce(fnum(fields, 'bid_price'), fnum(fields, 'ask_price')) as quote_price,
        fnum(fields, 'market_mid') as market_mid,
        fnum(fields, 'microprice') as microprice,
        message
    from stg_events
    where kind in ('crossed_mid_bid', 'crossed_mid_ask')
    union all
    select session_id, byte_offset, line_no, ts, level,
        if(kind = 'bbo_crossing_filtered', 'bbo_crossing', 'bbo_crossing_skip'), null, null, null, message
    from stg_events
    where kind in ('bbo_crossing_filtered', 'bbo_crossing_skip')
    union all
    select session_id, byte_offset, line_no, ts, level, 'drift_capped', null,
           fnum(fields, 'market_mid'), fnum(fields, 'microprice'), message
    from stg_events
    where kind = 'drift_capped'
    union all
    select session_id, byte_offset, line_no, ts, level, 'ema_reset', null,
           fnum(fields, 'mid'), fnum(fields, 'prev_ema'), message
    from stg_events
    where kind = 'microprice_ema_reset'
    union all
    select session_id, byte_offset, line_no, ts, level, 'quote_inputs', null,
           fnum(fields, 'mid'), fnum(fields, 'microprice'), message
    from stg_events
    where kind = 'quote_inputs'
    union all
    -- the microprice of every quote cycle at INFO: l1_micro of `[Trace] L1->L2->L3 pipeline` (plots)
    select session_id, byte_offset, line_no, ts, level, 'trace_micro', null, null, fnum(fields, 'l1_micro'), message
    from stg_events
    where kind = 'pipeline_trace'
),

final as (
    select
        *,
        kind in ('crossed_bid', 'crossed_ask') as is_crossed_mid,
        (microprice - market_mid) / nullif(market_mid, 0) * 1e4 as divergence_bps
    from checks
)

select * from final
