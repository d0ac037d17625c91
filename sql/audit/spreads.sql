-- Quoted spread per cycle (log_format.md §3.15): total_spread_bps of `Quote positions vs market`,
-- else spread_bps of `Quote cycle complete`.
with spreads as (
    select session_id, byte_offset, line_no, ts, 'quote_positions' as kind,
        fnum(fields, 'total_spread_bps') as spread_bps,
        fnum(fields, 'market_mid') as market_mid,
        fnum(fields, 'our_bid') as our_bid,
        fnum(fields, 'our_ask') as our_ask
    from stg_events
    where message = 'Quote positions vs market'
    union all
    select session_id, byte_offset, line_no, ts, 'cycle_complete', fnum(fields, 'spread_bps'), null,
           fnum(fields, 'best_bid'), fnum(fields, 'best_ask')
    from stg_events
    where message = 'Quote cycle complete'
),

final as (
    select * from spreads where spread_bps is not null
)

select * from final
