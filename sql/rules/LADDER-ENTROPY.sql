-- LADDER-ENTROPY: `Entropy optimizer applied to bids/asks` lines with active_levels > 0 (LF §3.16).
-- Evaluated when the log shows quote cycles of the ladder code (`[Trace]` or `Quote positions vs
-- market`, LF §3.15, §3.17) or entropy lines; observed = the number of active entropy lines.
with sessions as (
    select s.session_id, s.entropy_events, s.entropy_active_events, s.quote_cycles
    from session_summary as s
    join scope_sessions using (session_id)
),

final as (
    select
        s.session_id,
        s.quote_cycles > 0 or s.entropy_events > 0 as evaluated,
        s.entropy_active_events as observed,
        format('{} entropy optimizer lines ({} with active levels) over {} cycles', s.entropy_events,
               s.entropy_active_events, s.quote_cycles) as summary,
        []::struct(line_no bigint, ts varchar, text varchar)[] as evidence
    from sessions as s
)

select * from final
