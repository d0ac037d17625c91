-- How each session ended (log_format.md §3.19): one row per session.
with marks as (
    select
        session_id,
        bool_or(message = 'Market maker stopped.') as stopped,
        bool_or(message = '=== GRACEFUL SHUTDOWN COMPLETE ===' or message = 'Graceful shutdown completed successfully') as graceful_complete,
        bool_or(message like 'Graceful shutdown timed out%') as timed_out,
        bool_or(message like 'Graceful shutdown encountered error%') as shutdown_error,
        bool_or(message like 'Order count mismatch detected at shutdown%') as order_count_mismatch,
        arg_min(message, byte_offset) filter (where message like 'Shutdown signal received%') as signal_line,
        arg_max(fnum(fields, 'position'), byte_offset) filter (where message = 'Final position state') as final_position,
        arg_max(fnum(fields, 'mid_price'), byte_offset) filter (where message = 'Final position state') as final_mid_price,
        arg_max(fnum(fields, 'position_value'), byte_offset) filter (where message = 'Final position state') as final_position_value,
        max(line_no) filter (where message = 'Market maker stopped.') as stopped_line
    from stg_events
    group by all
),

final as (
    select b.session_id, coalesce(m.stopped, false) as stopped,
           coalesce(m.graceful_complete, false) as graceful_complete,
           coalesce(m.timed_out, false) as timed_out,
           coalesce(m.shutdown_error, false) as shutdown_error,
           coalesce(m.order_count_mismatch, false) as order_count_mismatch,
           m.signal_line, m.final_position, m.final_mid_price, m.final_position_value, m.stopped_line
    from scope_sessions as b
    left join marks as m using (session_id)
)

select * from final
