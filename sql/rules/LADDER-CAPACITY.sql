-- LADDER-CAPACITY: share of quote cycles in which WARN `Reducing ladder levels due to tight exchange
-- limits` cut the configured ladder (LF §3.12). Cycles = `[Trace] L1->L2->L3 pipeline` lines (one per
-- cycle, LF §3.17), else `Quote positions vs market` lines. Evaluated when the log carries ladder
-- figures and cycles. Summary: configured vs effective levels (mode and min).
with sessions as (
    select s.session_id, s.configured_levels, s.mode_effective_bid, s.mode_effective_ask, s.min_effective_bid,
           s.min_effective_ask, s.reduction_events, s.quote_cycles
    from session_summary as s
    join scope_sessions using (session_id)
),

reductions as (
    select session_id,
        list(rule_ev(line_no, ts, format('{} (configured {}, effective bid {} / ask {})', message, configured,
                                         effective_bid, effective_ask))
             order by least(effective_bid, effective_ask), byte_offset)[1:10] as evidence
    from ladder
    join scope_sessions using (session_id)
    where kind = 'reduced'
    group by all
),

final as (
    select
        s.session_id,
        (s.configured_levels is not null or s.reduction_events > 0) and s.quote_cycles > 0 as evaluated,
        round(least(1.0, s.reduction_events / nullif(s.quote_cycles, 0)), 4) as observed,
        if(s.reduction_events > 0,
           format('configured {}, effective {} bid / {} ask (mode; min {}/{}); reduced in {} of {} cycles',
                  coalesce(s.configured_levels::varchar, '?'), s.mode_effective_bid, s.mode_effective_ask,
                  s.min_effective_bid, s.min_effective_ask, s.reduction_events, s.quote_cycles),
           format('configured {}, no ladder reduction in {} cycles', coalesce(s.configured_levels::varchar, '?'),
                  s.quote_cycles)) as summary,
        coalesce(r.evidence, []) as evidence
    from sessions as s
    left join reductions as r using (session_id)
)

select * from final
