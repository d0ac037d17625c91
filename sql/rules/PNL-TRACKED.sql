-- PNL-TRACKED: the last cumulative `P&L: $…` printed on a tracked `[Fill]` line (LF §3.10).
-- It covers tracked fills only (the audit's "+$1.95"); account P&L is ACCT-CHANGE.
with sessions as (
    select s.session_id, s.tracked_pnl_usd
    from session_summary as s
    join scope_sessions using (session_id)
),

last_fill as (
    select session_id, arg_max(rule_ev(line_no, ts, message), byte_offset) as ev
    from fills
    join scope_sessions using (session_id)
    where tracked and pnl_usd is not null
    group by all
),

final as (
    select
        s.session_id,
        s.tracked_pnl_usd is not null as evaluated,
        s.tracked_pnl_usd as observed,
        if(s.tracked_pnl_usd is null, 'no P&L on tracked fill lines', format('tracked P&L ${:.2f}', s.tracked_pnl_usd)) as summary,
        if(l.ev is null, [], [l.ev]) as evidence
    from sessions as s
    left join last_fill as l using (session_id)
)

select * from final
