-- KILL-SWITCH: did the kill switch fire (LF §3.13)? Triggered = ERROR `KILL SWITCH TRIGGERED: …` or
-- WARN `Kill switch was triggered during session`; not triggered = neither, plus INFO `Kill switch was
-- NOT triggered`. Without either verdict (abrupt end) the rule is not evaluated.
with sessions as (
    select s.session_id, s.kill_switch_triggered, s.kill_switch_not_triggered_logged, s.kill_switch_reasons
    from session_summary as s
    join scope_sessions using (session_id)
),

lines as (
    select session_id, list(rule_ev(line_no, ts, message) order by byte_offset)[1:10] as evidence
    from kill_switch
    join scope_sessions using (session_id)
    where kind in ('condition', 'triggered', 'verdict_triggered')
    group by all
),

final as (
    select
        s.session_id,
        s.kill_switch_triggered or s.kill_switch_not_triggered_logged as evaluated,
        case
            when s.kill_switch_triggered then 'triggered'
            when s.kill_switch_not_triggered_logged then 'not triggered'
        end as observed,
        case
            when s.kill_switch_triggered then 'kill switch TRIGGERED: ' || array_to_string(s.kill_switch_reasons, '; ')
            when s.kill_switch_not_triggered_logged then 'kill switch not triggered'
            else 'no kill-switch verdict in the log (abrupt end?)'
        end as summary,
        coalesce(l.evidence, []) as evidence
    from sessions as s
    left join lines as l using (session_id)
)

select * from final
