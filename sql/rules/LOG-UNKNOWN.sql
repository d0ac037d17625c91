-- LOG-UNKNOWN: WARN and ERROR templates the message catalogue (sql/seeds/messages.csv) does not
-- know. A new bot version shows up here ("12 WARN templates I do not know") instead of as a clean
-- audit. observed = number of unknown templates; evidence = the most frequent ones, numbers masked.
with sessions as (
    select s.session_id
    from session_summary as s
    join scope_sessions using (session_id)
),

unknown as (
    select session_id,
        count(*) as templates,
        sum(n) as lines,
        count(*) filter (where level = 'WARN') as warn_templates,
        count(*) filter (where level = 'ERROR') as error_templates,
        list(rule_ev(first_line, null::timestamptz, format('{} x {} {}', n, level, template))
             order by n desc, template)[1:10] as evidence
    from warn_taxonomy
    join scope_sessions using (session_id)
    where unknown
    group by all
),

final as (
    select
        s.session_id,
        true as evaluated,
        coalesce(u.templates, 0) as observed,
        if(u.templates > 0,
           format('{} WARN and {} ERROR templates the catalogue does not know ({} lines)', u.warn_templates,
                  u.error_templates, u.lines),
           'every WARN and ERROR line matches a known template') as summary,
        coalesce(u.evidence, []) as evidence
    from sessions as s
    left join unknown as u using (session_id)
)

select * from final
