-- LOG-ERRORS: ERROR lines by parsed level (LF §3.7); evidence = the most frequent ERROR templates.
with sessions as (
    select s.session_id, s.level_error
    from session_summary as s
    join scope_sessions using (session_id)
),

templates as (
    select session_id,
        list(rule_ev(first_line, null::timestamptz, format('{} x {}', n, example)) order by n desc, template)[1:10] as evidence
    from warn_taxonomy
    join scope_sessions using (session_id)
    where level = 'ERROR'
    group by all
),

final as (
    select
        s.session_id,
        s.level_error is not null as evaluated,
        s.level_error as observed,
        format('{} ERROR lines', s.level_error) as summary,
        coalesce(t.evidence, []) as evidence
    from sessions as s
    left join templates as t using (session_id)
)

select * from final
