-- FILL-UNTRACKED: share of own fills the order manager did not track (LF §3.6):
-- WARN `[Fill] Untracked order filled: oid=…`. observed = untracked / total; evaluated with ≥ 1 fill.
-- evidence = the untracked fill lines (oid in the text), in log order.
with sessions as (
    select s.session_id, s.fills_total, s.fills_untracked, s.untracked_ratio
    from session_summary as s
    join scope_sessions using (session_id)
),

untracked as (
    select session_id,
        list(rule_ev(line_no, ts, message) order by byte_offset)[1:10] as evidence
    from fills
    join scope_sessions using (session_id)
    where not tracked
    group by all
),

final as (
    select
        s.session_id,
        s.fills_total > 0 as evaluated,
        s.untracked_ratio as observed,
        if(s.fills_total > 0,
           format('{}/{} fills untracked ({:.0f}%)', s.fills_untracked, s.fills_total, 100 * s.untracked_ratio),
           'no fills in the session') as summary,
        coalesce(u.evidence, []) as evidence
    from sessions as s
    left join untracked as u using (session_id)
)

select * from final
