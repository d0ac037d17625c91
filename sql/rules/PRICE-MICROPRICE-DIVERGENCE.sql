-- PRICE-MICROPRICE-DIVERGENCE: max |microprice - mid| / mid in bps (LF §3.8), from the clamp ERRORs,
-- `Drift urgency capped…`, `Microprice EMA diverged…` and DEBUG `Quote inputs with microprice`.
-- evidence = the most divergent lines.
with sessions as (
    select s.session_id, s.max_microprice_mid_bps
    from session_summary as s
    join scope_sessions using (session_id)
),

worst as (
    select session_id,
        list(rule_ev(line_no, ts, format('{} (microprice {}, mid {}, {:.1f} bps)', message, microprice, market_mid,
                                         divergence_bps)) order by abs(divergence_bps) desc, byte_offset)[1:10] as evidence
    from microprice_checks
    join scope_sessions using (session_id)
    where divergence_bps is not null
    group by all
),

final as (
    select
        s.session_id,
        s.max_microprice_mid_bps is not null as evaluated,
        round(s.max_microprice_mid_bps, 3) as observed,
        if(s.max_microprice_mid_bps is null, 'no microprice/mid pairs in the log',
           format('max microprice-mid divergence {:.1f} bps', s.max_microprice_mid_bps)) as summary,
        coalesce(w.evidence, []) as evidence
    from sessions as s
    left join worst as w using (session_id)
)

select * from final
