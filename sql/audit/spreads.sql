-- Quoted spread per cycle (log_format.md §3.15): total_spread_bps of `Quote positions vs market`
-- (December/January), spread_bps of the March code's `cycle_summary` (every cycle), else
-- spread_bps of `Quote cycle complete` (only cycles that modified an order). `preference` orders
-- the kinds: a session's spread figures come from its most preferred kind alone.
with spreads as (
    select session_id, byte_offset, line_no, ts, 'quote_positions' as kind, 1 as preference,
        fnum(fields, 'total_spread_bps') as spread_bps,
        fnum(fields, 'market_mid') as market_mid,
        fnum(fields, 'our_bid') as our_bid,
        fnum(fields, 'our_ask') as our_ask
    from stg_events
    where kind = 'quote_positions'
    union all
    select session_id, byte_offset, line_no, ts, 'cycle_summary', 2, fnum(fields, 'spread_bps'), null, null, null
    from stg_events
    where kind = 'cycle_summary'
    union all
    select session_id, byte_offset, line_no, ts, 'cycle_complete', 3, fnum(fields, 'spread_bps'), null,
           fnum(fields, 'best_bid'), fnum(fields, 'best_ask')
    from stg_events
    where kind = 'quote_cycle_complete'
),

final as (
    select * from spreads where spread_bps is not null
)

select * from final
