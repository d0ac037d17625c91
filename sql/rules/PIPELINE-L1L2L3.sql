-- PIPELINE-L1L2L3: INFO `[Trace] L1->L2->L3 pipeline` (target layer3::trace) once per quote cycle
-- (LF §3.17). Evaluated when the log shows Jan-style quote cycles (`Quote positions vs market`) or
-- trace lines; observed = the number of trace lines. Summary adds the last l3_action / l3_trust.
with sessions as (
    select s.session_id
    from session_summary as s
    join scope_sessions using (session_id)
),

trace as (
    select session_id,
        count(*) filter (where kind = 'pipeline_trace') as traces,
        count(*) filter (where kind = 'quote_positions') as quote_lines,
        arg_max(fld(fields, 'l3_action'), byte_offset) filter (where kind = 'pipeline_trace') as l3_action,
        arg_max(fld(fields, 'l3_trust'), byte_offset) filter (where kind = 'pipeline_trace') as l3_trust
    from stg_events
    where kind in ('pipeline_trace', 'quote_positions', 'cycle_summary')
    group by all
),

final as (
    select
        s.session_id,
        coalesce(t.traces, 0) > 0 or coalesce(t.quote_lines, 0) > 0 as evaluated,
        coalesce(t.traces, 0) as observed,
        format('{} pipeline trace lines for {} quote lines', coalesce(t.traces, 0), coalesce(t.quote_lines, 0))
            || if(t.l3_action is not null, format('; last l3_action {}, l3_trust {}', t.l3_action, t.l3_trust), '') as summary,
        []::struct(line_no bigint, ts varchar, text varchar)[] as evidence
    from sessions as s
    left join trace as t using (session_id)
)

select * from final
