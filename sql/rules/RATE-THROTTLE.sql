-- RATE-THROTTLE: share of the session covered by low-headroom throttle WARNs (LF §3.11), from the
-- first to the last WARN over the session duration. Evaluated when the log carries rate-limit figures.
with sessions as (
    select s.session_id, s.low_headroom_events, s.throttle_span_s, s.duration_s, s.min_headroom_pct
    from session_summary as s
    join scope_sessions using (session_id)
),

warns as (
    select session_id,
        list(rule_ev(line_no, ts, message) order by byte_offset)[1:10] as evidence
    from rate_limit
    join scope_sessions using (session_id)
    where is_low_headroom_warning
    group by all
),

final as (
    select
        s.session_id,
        (s.min_headroom_pct is not null or s.low_headroom_events > 0) and s.duration_s > 0 as evaluated,
        round(coalesce(s.throttle_span_s, 0) / nullif(s.duration_s, 0), 4) as observed,
        format('{} throttle warnings covering {:.0f}% of the session', s.low_headroom_events,
               100 * coalesce(s.throttle_span_s, 0) / nullif(s.duration_s, 0)) as summary,
        coalesce(w.evidence, []) as evidence
    from sessions as s
    left join warns as w using (session_id)
)

select * from final
