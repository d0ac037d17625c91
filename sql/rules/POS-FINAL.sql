-- POS-FINAL: |final position| / max_position (LF §3.5). The position is `Final position state`, else
-- the last fill line; max_position is the latest `max_position` field the bot logged (e.g.
-- `Position at 75%+ of max`) or `max_position_contracts` of `Kill switch enabled`. Evaluated when both exist.
with sessions as (
    select s.session_id, s.final_position, s.final_position_source
    from session_summary as s
    join scope_sessions using (session_id)
),

limits as (
    select session_id,
        arg_max(coalesce(fnum(fields, 'max_position'), fnum(fields, 'max_position_contracts')), byte_offset)
            filter (where coalesce(fnum(fields, 'max_position'), fnum(fields, 'max_position_contracts')) > 0)
            as max_position,
        arg_max(rule_ev(line_no, ts, message), byte_offset)
            filter (where coalesce(fnum(fields, 'max_position'), fnum(fields, 'max_position_contracts')) > 0)
            as limit_line
    from stg_events
    group by all
),

final as (
    select
        s.session_id,
        s.final_position is not null and l.max_position is not null as evaluated,
        abs(s.final_position) / l.max_position as observed,
        case
            when s.final_position is null then 'no final position in the log'
            when l.max_position is null then format('final position {} ({}); max_position not logged', round(s.final_position, 6),
                                                    s.final_position_source)
            else format('final position {} ({}) = {:.2f} x max_position {}', round(s.final_position, 6),
                        s.final_position_source, abs(s.final_position) / l.max_position, l.max_position)
        end as summary,
        if(l.limit_line is null, [], [l.limit_line]) as evidence
    from sessions as s
    left join limits as l using (session_id)
)

select * from final
