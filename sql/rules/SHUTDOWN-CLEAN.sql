-- SHUTDOWN-CLEAN: did the session end with `Market maker stopped.` and no timed-out or failed
-- graceful shutdown (LF §3.19)? A paper phase of the March code that ran its planned duration
-- (`Paper trading duration elapsed…`) ended as planned: a clean end too. A failed close-on-exit
-- (`Position close failed — position remains open`) is not clean.
-- observed = stopped | planned | timed_out | error | close_failed | abrupt.
with sessions as (
    select s.session_id, s.stopped, s.timed_out, s.shutdown_error, s.order_count_mismatch, s."end",
           s.planned_end, s.position_close_failed
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
            when s.position_close_failed then 'close_failed'
            when s.stopped then 'stopped'
            when s.planned_end then 'planned'
            else 'abrupt'
        end as observed,
        case
            when s.timed_out then 'graceful shutdown timed out: orders may remain on the exchange'
            when s.shutdown_error then 'graceful shutdown reported an error'
            when s.position_close_failed then 'closing the position on shutdown failed: the position remains open'
            when s.stopped then format('stopped cleanly (end: {}{})', s."end",
                                       if(s.order_count_mismatch, ', order count mismatch at shutdown', ''))
            when s.planned_end then 'paper phase ended on its planned duration'
            else 'ended abruptly: no `Market maker stopped.` line'
        end as summary,
        if(l.ev is null, [], [l.ev]) as evidence
    from sessions as s
    left join last_line as l using (session_id)
)

select * from final
