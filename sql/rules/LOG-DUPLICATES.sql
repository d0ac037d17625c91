-- LOG-DUPLICATES: lines that repeat an earlier line of the log byte for byte (same timestamp,
-- level, target, fields and spans; stg_event_checks). The bot stamps every event to the
-- microsecond, so a repeat means the file was written twice or copied into itself: each repeat is
-- kept in the line counts but is evidence once. observed = repeated lines.
with sessions as (
    select s.session_id, s.duplicate_lines, l.duplicate_lines as lines
    from session_summary as s
    join session_lines as l using (session_id)
    join scope_sessions using (session_id)
),

final as (
    select
        session_id,
        true as evaluated,
        duplicate_lines as observed,
        if(duplicate_lines > 0,
           format('{} lines repeat an earlier line of the log (counted once as evidence)', duplicate_lines),
           'no line repeats an earlier one') as summary,
        [rule_ev(line, null::timestamptz, 'repeats an earlier line') for line in lines] as evidence
    from sessions
)

select * from final
