-- ACCT-START: account equity at the start (LF §3.4): `account_value` of `Capital-efficient position
-- limits …` (Jan), `Margin state refreshed` (Dec), `total` of `Unified account value …` (Mar).
with sessions as (
    select s.session_id, s.initial_value
    from session_summary as s
    join scope_sessions using (session_id)
),

first_sample as (
    select session_id, arg_min(rule_ev(line_no, ts, format('{}: account value {}', message, value)), byte_offset) as ev
    from account_samples
    join scope_sessions using (session_id)
    where kind = 'equity'
    group by all
),

final as (
    select
        s.session_id,
        s.initial_value is not null as evaluated,
        s.initial_value as observed,
        if(s.initial_value is null, 'no account value in the log', format('initial account ${:.2f}', s.initial_value)) as summary,
        if(f.ev is null, [], [f.ev]) as evidence
    from sessions as s
    left join first_sample as f using (session_id)
)

select * from final
