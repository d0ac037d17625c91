-- RATE-429: ERROR `Rate limited (429) - entering backoff…` (LF §3.11). ERROR lines are always
-- logged, so a session without one is evaluated (observed 0).
with sessions as (
    select s.session_id, s.http_429_events
    from session_summary as s
    join scope_sessions using (session_id)
),

lines as (
    select session_id, max(consecutive_429s) as max_consecutive,
        list(rule_ev(line_no, ts, message) order by byte_offset)[1:10] as evidence
    from rate_limit
    join scope_sessions using (session_id)
    where kind = 'http_429'
    group by all
),

final as (
    select
        s.session_id,
        true as evaluated,
        s.http_429_events as observed,
        format('{} HTTP 429 backoffs (max {} consecutive)', s.http_429_events, coalesce(l.max_consecutive, 0)) as summary,
        coalesce(l.evidence, []) as evidence
    from sessions as s
    left join lines as l using (session_id)
)

select * from final
