-- Crossed-mid clamps and microprice-vs-mid divergence (log_format.md §3.8).
-- divergence_bps = (microprice - market_mid) / market_mid * 1e4
with checks as (
    select session_id, byte_offset, line_no, ts, level,
        case when message like 'CRITICAL: Bid crossed%' then 'crossed_bid' else 'crossed_ask' end as kind,
        coalesce(fnum(fields, 'bid_price'), fnum(fields, 'ask_price')) as quote_price,
        fnum(fields, 'market_mid') as market_mid,
        fnum(fields, 'microprice') as microprice,
        message
    from stg_events
    where message in (
        'CRITICAL: Bid crossed market mid - adjusting to 1bp below',
        'CRITICAL: Ask crossed market mid - adjusting to 1bp above'
    )
    union all
    select session_id, byte_offset, line_no, ts, level, 'bbo_crossing', null, null, null, message
    from stg_events
    where message = 'BBO crossing: filtered crossing levels instead of skipping cycle'
    union all
    select session_id, byte_offset, line_no, ts, level, 'drift_capped', null,
           fnum(fields, 'market_mid'), fnum(fields, 'microprice'), message
    from stg_events
    where message = 'Drift urgency capped to prevent crossing market mid'
    union all
    select session_id, byte_offset, line_no, ts, level, 'ema_reset', null,
           fnum(fields, 'mid'), fnum(fields, 'prev_ema'), message
    from stg_events
    where message = 'Microprice EMA diverged too far from mid - resetting'
    union all
    select session_id, byte_offset, line_no, ts, level, 'quote_inputs', null,
           fnum(fields, 'mid'), fnum(fields, 'microprice'), message
    from stg_events
    where message = 'Quote inputs with microprice'
),

final as (
    select
        *,
        kind in ('crossed_bid', 'crossed_ask', 'bbo_crossing') as is_crossed_mid,
        (microprice - market_mid) / nullif(market_mid, 0) * 1e4 as divergence_bps
    from checks
)

select * from final
