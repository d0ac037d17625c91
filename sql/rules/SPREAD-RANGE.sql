-- SPREAD-RANGE: median quoted spread in bps (LF §3.15): `total_spread_bps` of `Quote positions vs
-- market`, else `spread_bps` of `Quote cycle complete`. evidence = the widest quotes.
with sessions as (
    select s.session_id, s.median_spread_bps, s.p95_spread_bps
    from session_summary as s
    join scope_sessions using (session_id)
),

widest as (
    select session_id, count(*) as n,
        list(rule_ev(line_no, ts, format('{} spread {} bps', kind, spread_bps)) order by spread_bps desc, byte_offset)[1:10] as evidence
    from spreads
    join scope_sessions using (session_id)
    group by all
),

final as (
    select
        s.session_id,
        s.median_spread_bps is not null as evaluated,
        s.median_spread_bps as observed,
        if(s.median_spread_bps is null, 'no quoted spread in the log',
           format('median spread {:.1f} bps, p95 {:.1f} bps over {} quotes', s.median_spread_bps, s.p95_spread_bps, w.n)) as summary,
        coalesce(w.evidence, []) as evidence
    from sessions as s
    left join widest as w using (session_id)
)

select * from final
