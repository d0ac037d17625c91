-- Can each rule be judged on each session in scope? A rule names the event kinds it reads
-- (`meta.kinds` of its expectation, in temp table rule_gates). It is evaluated only when
--   1. the session holds at least one line of those kinds, and
--   2. for a rule that counts bad events (`meta.counts`), when none was counted, the session's code
--      era logs one of the counted kinds at a level this log carries: a zero is evidence only when
--      the bot would have written the line.
-- Otherwise the rule is "not evaluated" and `reason` says why, from the message catalogue.
-- `zero_reason` is set when a counting rule counted nothing: such a zero may fail the rule (no fill
-- at all) but never pass it, since the absence of a line is no evidence (mmwatch.rules.engine).
with sessions as (
    select s.session_id, s.bot_era, s.level_debug > 0 as has_debug
    from session_summary as s
    join scope_sessions using (session_id)
),

gates as (
    select rule_id, kinds, counts from rule_gates
),

present as (
    select s.session_id, g.rule_id,
        coalesce(sum(k.n) filter (where list_contains(g.kinds, k.kind)), 0) as lines_read,
        coalesce(sum(k.n) filter (where list_contains(g.counts, k.kind)), 0) as lines_counted
    from sessions as s
    cross join gates as g
    left join session_kinds as k on k.session_id = s.session_id
    group by all
),

-- what the session's era logs of the kinds a rule reads (or counts), and at which levels
era_rows as (
    select s.session_id, g.rule_id, c.kind, c.level, list_contains(g.counts, c.kind) as counted
    from sessions as s
    cross join gates as g
    join stg_catalogue as c
        on list_contains(g.kinds, c.kind) and list_contains(c.eras, s.bot_era)
),

era_logging as (
    select e.session_id, e.rule_id,
        count(*) as rows_in_era,
        count(*) filter (where e.level <> 'DEBUG' or s.has_debug) as rows_visible,
        count(*) filter (where e.counted and (e.level <> 'DEBUG' or s.has_debug)) as counted_visible
    from era_rows as e
    join sessions as s using (session_id)
    group by all
),

final as (
    select
        p.session_id,
        p.rule_id,
        case
            when p.lines_read = 0 then false
            when len(g.counts) > 0 and p.lines_counted = 0 then coalesce(l.counted_visible, 0) > 0
            else true
        end as has_evidence,
        case
            when p.lines_read > 0 and (len(g.counts) = 0 or p.lines_counted > 0 or coalesce(l.counted_visible, 0) > 0)
                then null
            when s.bot_era is null and p.lines_read > 0
                then format('0 lines of {}; the code era of this session is unknown, so a zero is no evidence',
                            array_to_string(g.counts, ', '))
            when s.bot_era is null
                then format('no line of {} in this session (code era unknown)', array_to_string(g.kinds, ', '))
            when coalesce(l.rows_in_era, 0) = 0
                then format('the {} code does not log {}', s.bot_era, array_to_string(g.kinds, ', '))
            when coalesce(l.rows_visible, 0) = 0 or (p.lines_read > 0 and coalesce(l.counted_visible, 0) = 0)
                then format('the {} code logs {} only at DEBUG, and this log has no DEBUG lines', s.bot_era,
                            array_to_string(if(p.lines_read > 0, g.counts, g.kinds), ', '))
            else format('no line of {} in this session', array_to_string(g.kinds, ', '))
        end as reason,
        if(len(g.counts) > 0 and p.lines_counted = 0,
           format('0 lines of {} in this session{}; the absence of a line is no evidence of a pass',
                  array_to_string(g.counts, ', '),
                  if(s.bot_era is null, '', format(' (the {} code would log them)', s.bot_era))),
           null) as zero_reason
    from present as p
    join gates as g using (rule_id)
    join sessions as s using (session_id)
    left join era_logging as l using (session_id, rule_id)
)

select * from final
