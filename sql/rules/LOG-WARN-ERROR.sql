-- LOG-WARN-ERROR: WARN + ERROR lines by parsed level, the audit's "Warnings/Errors: 1,698" (LF §3.7).
-- evidence = the most frequent templates of either level (warn_taxonomy).
with sessions as (
    select s.session_id, s.level_warn, s.level_error
    from session_summary as s
    join scope_sessions using (session_id)
),

templates as (
    select session_id,
        list(rule_ev(first_line, null::timestamptz, format('{} x {} {}', n, level, example))
             order by n desc, template)[1:10] as evidence,
        count(*) as n_templates
    from warn_taxonomy
    join scope_sessions using (session_id)
    group by all
),

final as (
    select
        s.session_id,
        s.level_warn is not null and s.level_error is not null as evaluated,
        s.level_warn + s.level_error as observed,
        format('{} warnings/errors ({} WARN, {} ERROR) in {} templates', s.level_warn + s.level_error,
               s.level_warn, s.level_error, coalesce(t.n_templates, 0)) as summary,
        coalesce(t.evidence, []) as evidence
    from sessions as s
    left join templates as t using (session_id)
)

select * from final
