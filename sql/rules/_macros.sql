-- Helpers of the rule files (temp macros: created per connection by mmwatch.rules, never stored).
-- An evidence row is {line_no, ts, text}: the log line number, its UTC timestamp and what it says.
create or replace temp macro rule_ts(t) as strftime(t, '%Y-%m-%dT%H:%M:%S.%fZ');
create or replace temp macro rule_ev(line, t, txt) as {'line_no': line::bigint, 'ts': rule_ts(t), 'text': txt::varchar};
-- LOG-ERRORS and LOG-WARNINGS: the count of one parsed level per session, with its most frequent
-- templates as evidence (LF §3.7). One definition, two rules.
create or replace temp macro level_count_rule(lvl) as table
    with sessions as (
        select s.session_id,
               case lvl when 'ERROR' then s.level_error when 'WARN' then s.level_warn end as n_lines
        from session_summary as s
        join scope_sessions using (session_id)
    ),
    templates as (
        select session_id,
            list(rule_ev(first_line, null::timestamptz, format('{} x {}', n, example))
                 order by n desc, template)[1:10] as evidence
        from warn_taxonomy
        join scope_sessions using (session_id)
        where level = lvl
        group by all
    )
    select
        s.session_id,
        s.n_lines is not null as evaluated,
        s.n_lines as observed,
        format('{} {} lines', s.n_lines, lvl) as summary,
        coalesce(t.evidence, []) as evidence
    from sessions as s
    left join templates as t using (session_id);
