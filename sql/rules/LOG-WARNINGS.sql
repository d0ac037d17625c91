-- LOG-WARNINGS: WARN lines by parsed level (LF §3.7); evidence = the most frequent WARN templates.
with sessions as (
    select s.session_id, s.level_warn
    from session_summary as s
    join scope_sessions using (session_id)
),

templates as (
    select session_id,
        list(rule_ev(first_line, null::timestamptz, format('{} x {}', n, example)) order by n desc, template)[1:10] as evidence
    from warn_taxonomy
    join scope_sessions using (session_id)
    where level = 'WARN'
    group by all
),

final as (
    select
        s.session_id,
        s.level_warn is not null as evaluated,
        s.level_warn as observed,
        format('{} WARN lines', s.level_warn) as summary,
        coalesce(t.evidence, []) as evidence
    from sessions as s
    left join templates as t using (session_id)
)

select * from final
