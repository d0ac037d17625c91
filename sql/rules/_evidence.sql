-- Can each rule be judged on each session in scope? A rule names the event kinds it reads
-- (`meta.kinds` of its expectation, in temp table rule_gates). It is evaluated only when
--   1. the session holds at least one line of those kinds, and
--   2. for a rule that counts lines (`meta.counts`), when none was counted, the session's code era
--      logs one of the counted kinds at a level this log carries.
-- Otherwise the rule is "not evaluated" and `reason` says why, kind by kind, from the message
-- catalogue: what the session's era does not log at all, logs only at DEBUG, or would log.
-- `zero_reason` is set when a counting rule counted nothing although the era would log it: such a
-- zero may fail the rule (no fill at all) but never pass it, since the absence of a line is no
-- evidence (mmwatch.rules.engine).
with sessions as (
    select s.session_id, s.bot_era, s.level_debug > 0 as has_debug
    from session_summary as s
    join scope_sessions using (session_id)
),

rule_kinds as (
    select rule_id, unnest(kinds) as kind, counts from rule_gates
),

era_levels as (
    -- per kind and era: does that era's code write it above DEBUG?
    select kind, era, bool_or(level <> 'DEBUG') as above_debug
    from (select kind, unnest(eras) as era, level from stg_catalogue)
    group by all
),

status as (
    select
        s.session_id, s.bot_era, rk.rule_id, rk.kind,
        list_contains(rk.counts, rk.kind) as counted,
        coalesce(k.n, 0) as n,
        case
            when s.bot_era is null then 'unknown'
            when el.era is null then 'absent'
            when not el.above_debug and not s.has_debug then 'debug'
            else 'logged'
        end as in_era
    from sessions as s
    cross join rule_kinds as rk
    left join session_kinds as k on k.session_id = s.session_id and k.kind = rk.kind
    left join era_levels as el on el.kind = rk.kind and el.era = s.bot_era
),

per_rule as (
    select
        session_id, rule_id, any_value(bot_era) as bot_era,
        sum(n) as lines_read,
        coalesce(sum(n) filter (where counted), 0) as lines_counted,
        bool_or(counted) as has_counts,
        coalesce(bool_or(counted and in_era = 'logged'), false) as counted_visible,
        list(kind order by kind) as kinds,
        list(kind order by kind) filter (where counted) as counted_kinds,
        -- what the era does with the kinds the verdict would rest on (all, or the counted ones)
        list(kind order by kind) filter (where in_era = 'absent') as absent,
        list(kind order by kind) filter (where in_era = 'debug') as debug_only,
        list(kind order by kind) filter (where in_era = 'logged') as logged,
        list(kind order by kind) filter (where counted and in_era = 'absent') as counted_absent,
        list(kind order by kind) filter (where counted and in_era = 'debug') as counted_debug_only
    from status
    group by all
),

explained as (
    select
        *,
        concat_ws('; ',
            if(len(absent) > 0, format('the {} code does not log {}', bot_era, array_to_string(absent, ', ')), null),
            if(len(debug_only) > 0, format('the {} code logs {} only at DEBUG, and this log has no DEBUG lines',
                                            bot_era, array_to_string(debug_only, ', ')), null),
            if(len(logged) > 0 and (len(absent) > 0 or len(debug_only) > 0),
               format('it would log {}', array_to_string(logged, ', ')), null)
        ) as era_detail,
        concat_ws('; ',
            if(len(counted_absent) > 0,
               format('the {} code does not log {}', bot_era, array_to_string(counted_absent, ', ')), null),
            if(len(counted_debug_only) > 0,
               format('the {} code logs {} only at DEBUG, and this log has no DEBUG lines', bot_era,
                      array_to_string(counted_debug_only, ', ')), null)
        ) as counted_detail
    from per_rule
),

final as (
    select
        session_id,
        rule_id,
        lines_read > 0 and (not has_counts or lines_counted > 0 or counted_visible) as has_evidence,
        case
            when lines_read = 0 and bot_era is null
                then format('no line of {} in this session (its code era is unknown)', array_to_string(kinds, ', '))
            when lines_read = 0
                then format('no line of {} in this session', array_to_string(kinds, ', '))
                     || if(era_detail = '', '', ': ' || era_detail)
            when has_counts and lines_counted = 0 and not counted_visible and bot_era is null
                then format('0 lines of {}; the code era of this session is unknown, so a zero is no evidence',
                            array_to_string(counted_kinds, ', '))
            when has_counts and lines_counted = 0 and not counted_visible
                then format('0 lines of {}: {}', array_to_string(counted_kinds, ', '), counted_detail)
        end as reason,
        if(has_counts and lines_counted = 0 and counted_visible,
           format('0 lines of {} in this session (the {} code would log them); the absence of a line is no '
                  'evidence of a pass', array_to_string(counted_kinds, ', '), bot_era),
           null) as zero_reason
    from explained
)

select * from final
