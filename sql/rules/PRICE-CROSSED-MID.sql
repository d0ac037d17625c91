-- PRICE-CROSSED-MID: ERROR `CRITICAL: Bid crossed market mid - adjusting to 1bp below` (+ Ask) clamps
-- (Jan code; LF §3.8). Evaluated when the session quoted (a first quote or a fill), because only a
-- quoting bot can cross the mid. evidence = the clamp lines with microprice and mid.
with sessions as (
    select s.session_id, s.first_quote_ts, s.fills_total, s.crossed_min_microprice, s.crossed_max_microprice,
           s.crossed_min_mid, s.crossed_max_mid
    from session_summary as s
    join scope_sessions using (session_id)
),

clamps as (
    select session_id, count(*) as n,
        list(rule_ev(line_no, ts, format('{} (quote {}, market_mid {}, microprice {})', message, quote_price,
                                         market_mid, microprice)) order by byte_offset)[1:10] as evidence
    from microprice_checks
    join scope_sessions using (session_id)
    where kind in ('crossed_bid', 'crossed_ask')
    group by all
),

final as (
    select
        s.session_id,
        s.first_quote_ts is not null or s.fills_total > 0 or coalesce(c.n, 0) > 0 as evaluated,
        coalesce(c.n, 0) as observed,
        if(c.n > 0,
           format('{} crossed-mid clamp ERRORs (microprice {}-{} vs mid {}-{})', c.n, s.crossed_min_microprice,
                  s.crossed_max_microprice, s.crossed_min_mid, s.crossed_max_mid),
           '0 crossed-mid clamp ERRORs') as summary,
        coalesce(c.evidence, []) as evidence
    from sessions as s
    left join clamps as c using (session_id)
)

select * from final
