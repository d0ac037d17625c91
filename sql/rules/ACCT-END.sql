-- ACCT-END: free margin at the end (LF §3.4): last `margin_available` / `available_margin` /
-- `available`. Free margin is not equity (the audit's "$209.10"); the last equity sample is reported too.
with sessions as (
    select s.session_id, s.final_margin_available, s.final_value, s.equity_samples
    from session_summary as s
    join scope_sessions using (session_id)
),

last_sample as (
    select session_id, arg_max(rule_ev(line_no, ts, format('{}: free margin {}', message, value)), byte_offset) as ev
    from account_samples
    join scope_sessions using (session_id)
    where kind = 'free_margin'
    group by all
),

final as (
    select
        s.session_id,
        s.final_margin_available is not null as evaluated,
        s.final_margin_available as observed,
        if(s.final_margin_available is null, 'no free-margin figure in the log',
           format('final free margin ${:.2f}', s.final_margin_available)
           || if(s.equity_samples > 1, format('; last equity ${:.2f}', s.final_value), '')) as summary,
        if(l.ev is null, [], [l.ev]) as evidence
    from sessions as s
    left join last_sample as l using (session_id)
)

select * from final
