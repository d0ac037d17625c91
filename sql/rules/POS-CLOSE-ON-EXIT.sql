-- POS-CLOSE-ON-EXIT: did the March code's close-on-exit (since 292edfa) close the position at
-- shutdown? `Closing position on shutdown` → `Position closed on shutdown` (closed), `No position to
-- close on shutdown` (no_position), WARN `Position close failed — position remains open` (failed:
-- the bot stopped with an open position and no quotes to manage it). Sessions of older code, or run
-- with --no-close-on-exit, have none of these lines and are not evaluated.
with sessions as (
    select s.session_id, s.close_attempted, s.position_closed, s.position_close_failed, s.position_at_shutdown
    from session_summary as s
    join scope_sessions using (session_id)
),

lines as (
    select session_id, list(rule_ev(line_no, ts, message) order by byte_offset)[1:10] as evidence
    from stg_events
    where kind in ('position_closing', 'position_closed', 'position_close_failed', 'position_no_close')
    group by all
),

final as (
    select
        s.session_id,
        true as evaluated,
        case when s.position_close_failed then 'failed'
             when s.position_closed then 'closed'
             when not s.close_attempted then 'no_position'
             else 'unconfirmed' end as observed,
        case when s.position_close_failed
                 then format('closing the position ({}) on shutdown failed: it remains open', s.position_at_shutdown)
             when s.position_closed then format('position {} closed on shutdown', s.position_at_shutdown)
             when not s.close_attempted then 'no position to close on shutdown'
             else 'close on shutdown started but no confirmation line' end as summary,
        coalesce(l.evidence, []) as evidence
    from sessions as s
    left join lines as l using (session_id)
)

select * from final
