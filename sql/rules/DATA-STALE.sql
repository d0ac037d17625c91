-- DATA-STALE: largest `data_age` (s) of DEBUG `Kill switch status` (LF §3.10, §3.13).
with sessions as (
    select s.session_id, s.max_data_age_s
    from session_summary as s
    join scope_sessions using (session_id)
),

worst as (
    select session_id,
        list(rule_ev(line_no, ts, format('{}: data_age {}s', message, data_age_s)) order by data_age_s desc, byte_offset)[1:10] as evidence
    from kill_switch
    join scope_sessions using (session_id)
    where data_age_s is not null
    group by all
),

final as (
    select
        s.session_id,
        s.max_data_age_s is not null as evaluated,
        s.max_data_age_s as observed,
        if(s.max_data_age_s is null, 'no data-age figure in the log', format('max market-data age {}s', s.max_data_age_s)) as summary,
        coalesce(w.evidence, []) as evidence
    from sessions as s
    left join worst as w using (session_id)
)

select * from final
