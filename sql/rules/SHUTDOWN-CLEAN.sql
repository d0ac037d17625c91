-- SHUTDOWN-CLEAN: did the session end with `Market maker stopped.` and no timed-out or failed
-- graceful shutdown (LF §3.19)? observed = stopped | timed_out | error | abrupt.
with sessions as (
    select s.session_id, s.stopped, s.timed_out, s.shutdown_error, s.order_count_mismatch, s."end"
    from session_summary as s
    join scope_sessions using (session_id)
),

last_line as (
    select session_id, arg_max(rule_ev(line_no, ts, message), byte_offset) as ev
    from stg_events
    group by all
),

final as (
    select
        s.session_id,
        true as evaluated,
        case
            when s.timed_out then 'timed_out'
            when s.shutdown_error then 'error'
            when s.stopped then 'stopped'
            else 'abrupt'
        end as observed,
        case
            when s.timed_out then 'graceful shutdown timed out: orders may remain on the exchange'
            when s.shutdown_error then 'graceful shutdown reported an error'
            when s.stopped then format('stopped cleanly (end: {}{})', s."end",
                                       if(s.order_count_mismatch, ', order count mismatch at shutdown', ''))
            else 'ended abruptly: no `Market maker stopped.` line'
        end as summary,
        if(l.ev is null, [], [l.ev]) as evidence
    from sessions as s
    left join last_line as l using (session_id)
)

select * from final
