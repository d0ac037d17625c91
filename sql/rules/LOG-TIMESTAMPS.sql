-- LOG-TIMESTAMPS: lines whose timestamp cannot be the bot's: a stamp far from both neighbours (a
-- line stamped 9999-12-31 or year 0 inside a 2026 run) or outside the session's own first and last
-- time by more than 60 s (stg_event_checks, session_lines). Such lines are kept out of the
-- session's start, end and duration. observed = those lines.
with sessions as (
    select s.session_id, s.time_outlier_lines, l.time_outlier_lines as lines
    from session_summary as s
    join session_lines as l using (session_id)
    join scope_sessions using (session_id)
),

stamps as (
    select e.session_id, list(rule_ev(e.line_no, null::timestamptz, 'stamped ' || e.ts_raw) order by e.line_no) as evidence
    from stg_events as e
    join sessions as s on s.session_id = e.session_id and list_contains(s.lines, e.line_no)
    group by all
),

final as (
    select
        s.session_id,
        true as evaluated,
        s.time_outlier_lines as observed,
        if(s.time_outlier_lines > 0,
           format('{} lines carry a timestamp off the session''s own times (left out of its duration)',
                  s.time_outlier_lines),
           'every timestamp lies within the session') as summary,
        coalesce(t.evidence, []) as evidence
    from sessions as s
    left join stamps as t using (session_id)
)

select * from final
