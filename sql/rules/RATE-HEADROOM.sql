-- RATE-HEADROOM: lowest exchange rate-limit headroom in % (LF §3.11): `headroom_pct` of the throttle
-- WARNs of every era and of the March code's `Quota shadow spread applied` lines, else
-- (cap - used) / cap of the rate-limit status lines. evidence = the lowest samples.
with sessions as (
    select s.session_id, s.min_headroom_pct, s.first_headroom_pct, s.last_headroom_pct, s.min_used, s.max_used, s.cap
    from session_summary as s
    join scope_sessions using (session_id)
),

lowest as (
    select session_id,
        list(rule_ev(line_no, ts, format('{} (headroom {:.1f}%{})', message, headroom_pct_effective,
                                         if(cap is null, '', format(', used {}, cap {}', used, cap))))
             order by headroom_pct_effective, byte_offset)[1:10] as evidence
    from rate_limit
    join scope_sessions using (session_id)
    where headroom_pct_effective is not null
    group by all
),

final as (
    select
        s.session_id,
        s.min_headroom_pct is not null as evaluated,
        s.min_headroom_pct as observed,
        if(s.min_headroom_pct is null, 'no rate-limit headroom in the log',
           format('headroom {:.1f}% -> {:.1f}% (min {:.1f}%)', s.first_headroom_pct, s.last_headroom_pct,
                  s.min_headroom_pct)
           -- the January throttle WARNs carry used/cap; the March lines carry headroom_pct only
           || if(s.cap is null, '', format('; used {} -> {} of {} cap', s.min_used, s.max_used, s.cap)))
            as summary,
        coalesce(l.evidence, []) as evidence
    from sessions as s
    left join lowest as l using (session_id)
)

select * from final
