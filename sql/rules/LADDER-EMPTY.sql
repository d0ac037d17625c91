-- LADDER-EMPTY: WARN `Ladder completely empty: available size below min_notional…` (LF §3.12).
-- Evaluated when the session quoted.
with sessions as (
    select s.session_id, s.first_quote_ts, s.fills_total, s.empty_ladder_events
    from session_summary as s
    join scope_sessions using (session_id)
),

lines as (
    select session_id, list(rule_ev(line_no, ts, message) order by byte_offset)[1:10] as evidence
    from ladder
    join scope_sessions using (session_id)
    where kind = 'empty'
    group by all
),

final as (
    select
        s.session_id,
        s.first_quote_ts is not null or s.fills_total > 0 or s.empty_ladder_events > 0 as evaluated,
        s.empty_ladder_events as observed,
        format('{} empty-ladder warnings', s.empty_ladder_events) as summary,
        coalesce(l.evidence, []) as evidence
    from sessions as s
    left join lines as l using (session_id)
)

select * from final
