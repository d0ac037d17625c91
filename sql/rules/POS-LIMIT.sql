-- POS-LIMIT: max |position| over the session / max_position (LF §3.5). Positions come from the fill
-- lines, `Market maker metrics` and `Final position state` (table positions); max_position as in
-- POS-FINAL. Evaluated when both exist. evidence = the largest positions.
with sessions as (
    select s.session_id
    from session_summary as s
    join scope_sessions using (session_id)
),

limits as (
    select session_id,
        arg_max(coalesce(fnum(fields, 'max_position'), fnum(fields, 'max_position_contracts')), byte_offset)
            filter (where coalesce(fnum(fields, 'max_position'), fnum(fields, 'max_position_contracts')) > 0)
            as max_position
    from stg_events
    group by all
),

peaks as (
    select session_id, max(abs(position)) as max_abs_position,
        list(rule_ev(line_no, ts, format('position {} ({})', position, kind))
             order by abs(position) desc, byte_offset)[1:10] as evidence
    from positions
    join scope_sessions using (session_id)
    group by all
),

final as (
    select
        s.session_id,
        p.max_abs_position is not null and l.max_position is not null as evaluated,
        p.max_abs_position / l.max_position as observed,
        case
            when p.max_abs_position is null then 'no position samples in the log'
            when l.max_position is null then format('max |position| {}; max_position not logged', round(p.max_abs_position, 6))
            else format('max |position| {} = {:.2f} x max_position {}', round(p.max_abs_position, 6),
                        p.max_abs_position / l.max_position, l.max_position)
        end as summary,
        coalesce(p.evidence, []) as evidence
    from sessions as s
    left join limits as l using (session_id)
    left join peaks as p using (session_id)
)

select * from final
