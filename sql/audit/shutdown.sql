-- How each session ended (log_format.md §3.19): one row per session. Since 292edfa the bot closes
-- its position on exit after logging `Final position state`: `position_at_shutdown` is that
-- pre-close figure, `position_closed` / `position_close_failed` tell what the close did. A paper
-- phase of the March code ends on its planned duration (`Paper trading duration elapsed…`).
with marks as (
    select
        session_id,
        bool_or(kind = 'mm_stopped') as stopped,
        bool_or(kind = 'shutdown_complete') as graceful_complete,
        bool_or(kind = 'shutdown_timeout') as timed_out,
        bool_or(kind = 'shutdown_error') as shutdown_error,
        bool_or(kind = 'shutdown_order_mismatch') as order_count_mismatch,
        bool_or(kind = 'paper_duration_elapsed') as planned_end,
        bool_or(kind = 'position_closing') as close_attempted,
        bool_or(kind = 'position_closed') as position_closed,
        bool_or(kind = 'position_close_failed') as position_close_failed,
        arg_max(message, byte_offset) filter (where kind = 'position_close_failed') as close_failure_line,
        arg_min(message, byte_offset) filter (where kind = 'shutdown_signal') as signal_line,
        arg_max(fnum(fields, 'position'), byte_offset) filter (where kind = 'final_position') as position_at_shutdown,
        arg_max(fnum(fields, 'mid_price'), byte_offset) filter (where kind = 'final_position') as final_mid_price,
        arg_max(fnum(fields, 'position_value'), byte_offset) filter (where kind = 'final_position') as final_position_value,
        max(byte_offset) filter (where kind = 'final_position') as final_position_offset,
        max(byte_offset) filter (where kind = 'position_closed') as closed_offset,
        max(line_no) filter (where kind = 'mm_stopped') as stopped_line
    from stg_events
    group by all
),

final as (
    select b.session_id, coalesce(m.stopped, false) as stopped,
           coalesce(m.graceful_complete, false) as graceful_complete,
           coalesce(m.timed_out, false) as timed_out,
           coalesce(m.shutdown_error, false) as shutdown_error,
           coalesce(m.order_count_mismatch, false) as order_count_mismatch,
           coalesce(m.planned_end, false) as planned_end,
           coalesce(m.close_attempted, false) as close_attempted,
           coalesce(m.position_closed, false) as position_closed,
           coalesce(m.position_close_failed, false) as position_close_failed,
           m.close_failure_line,
           m.signal_line,
           m.position_at_shutdown,
           -- the position the bot left: 0 once the close-on-exit order went through after the
           -- `Final position state` line, else that line's figure
           case when m.closed_offset > coalesce(m.final_position_offset, -1) then 0.0
                else m.position_at_shutdown end as final_position,
           m.final_mid_price, m.final_position_value, m.stopped_line
    from scope_sessions as b
    left join marks as m using (session_id)
)

select * from final
