-- PRICE-CROSSED-MID: quotes that crossed the market mid, counted over every era's kinds (LF §3.8,
-- log_format_2026-03.md #20-21): the January code's ERROR clamps (kinds crossed_mid_bid/_ask, with
-- prices), the later WARN `BBO crossing: filtered crossing levels…` (bbo_crossing_filtered) and
-- `Skipping quote cycle: ALL levels filtered by BBO crossing` (bbo_crossing_skip). observed = all of
-- them; the summary names each kind's count. evidence = the lines, clamps first.
with sessions as (
    select s.session_id, s.first_quote_ts, s.fills_total, s.crossed_min_microprice, s.crossed_max_microprice,
           s.crossed_min_mid, s.crossed_max_mid, s.crossed_mid_events, s.bbo_crossing_filtered_events,
           s.bbo_crossing_skipped_events
    from session_summary as s
    join scope_sessions using (session_id)
),

clamps as (
    select session_id, count(*) as n,
        list(rule_ev(line_no, ts, if(is_crossed_mid,
                                     format('{} (quote {}, market_mid {}, microprice {})', message, quote_price,
                                            market_mid, microprice),
                                     message)) order by not is_crossed_mid, byte_offset)[1:10] as evidence
    from microprice_checks
    join scope_sessions using (session_id)
    where kind in ('crossed_bid', 'crossed_ask', 'bbo_crossing', 'bbo_crossing_skip')
    group by all
),

final as (
    select
        s.session_id,
        s.first_quote_ts is not null or s.fills_total > 0 or coalesce(c.n, 0) > 0 as evaluated,
        coalesce(c.n, 0) as observed,
        concat_ws('; ',
            format('{} crossed-mid clamp ERRORs', s.crossed_mid_events)
                || if(s.crossed_mid_events > 0, format(' (microprice {}-{} vs mid {}-{})', s.crossed_min_microprice,
                                                       s.crossed_max_microprice, s.crossed_min_mid, s.crossed_max_mid), ''),
            format('{} BBO-crossing filter WARNs', s.bbo_crossing_filtered_events),
            format('{} quote cycles skipped for BBO crossing', s.bbo_crossing_skipped_events)) as summary,
        coalesce(c.evidence, []) as evidence
    from sessions as s
    left join clamps as c using (session_id)
)

select * from final
