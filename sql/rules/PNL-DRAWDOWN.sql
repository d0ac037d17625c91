-- PNL-DRAWDOWN: max drawdown in % the kill switch reported (DEBUG `Kill switch status`.drawdown,
-- shutdown `Kill switch was NOT triggered`.max_drawdown; LF §3.10, §3.13). Not evaluated without them.
-- The bot skips drawdown below a $1 peak itself; the log does not carry the peak.
with sessions as (
    select s.session_id, s.max_drawdown_pct
    from session_summary as s
    join scope_sessions using (session_id)
),

worst as (
    select session_id,
        list(rule_ev(line_no, ts, format('{}: drawdown {}%', message, drawdown_pct))
             order by drawdown_pct desc, byte_offset)[1:10] as evidence
    from kill_switch
    join scope_sessions using (session_id)
    where drawdown_pct is not null and kind in ('status', 'verdict_not_triggered')
    group by all
),

final as (
    select
        s.session_id,
        s.max_drawdown_pct is not null as evaluated,
        s.max_drawdown_pct as observed,
        if(s.max_drawdown_pct is null, 'no drawdown figure in the log', format('max drawdown {}%', s.max_drawdown_pct)) as summary,
        coalesce(w.evidence, []) as evidence
    from sessions as s
    left join worst as w using (session_id)
)

select * from final
