-- RISK-CASCADE: largest `cascade_severity` of DEBUG `Kill switch status` (LF §3.10).
with sessions as (
    select s.session_id, s.max_cascade_severity
    from session_summary as s
    join scope_sessions using (session_id)
),

worst as (
    select session_id,
        list(rule_ev(line_no, ts, format('{}: cascade_severity {}', message, cascade_severity))
             order by cascade_severity desc, byte_offset)[1:10] as evidence
    from kill_switch
    join scope_sessions using (session_id)
    where cascade_severity is not null
    group by all
),

final as (
    select
        s.session_id,
        s.max_cascade_severity is not null as evaluated,
        s.max_cascade_severity as observed,
        if(s.max_cascade_severity is null, 'no cascade severity in the log',
           format('max liquidation-cascade severity {}', s.max_cascade_severity)) as summary,
        coalesce(w.evidence, []) as evidence
    from sessions as s
    left join worst as w using (session_id)
)

select * from final
