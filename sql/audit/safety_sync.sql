-- Safety-sync checks of local order state against the exchange (log_format.md §3.14).
with sync as (
    select session_id, byte_offset, line_no, ts, level, message,
        case
            when message like '[SafetySync] State mismatch:%' then 'mismatch'
            when message like '[SafetySync] State in sync%' then 'in_sync'
            when message = '[SafetySync] Order state (OrderManager is source of truth)' then 'order_state'
            when message like '[SafetySync] Stale order in tracking%' then 'stale_order'
            else 'other'
        end as kind,
        try_cast(regexp_extract(message, 'exchange=(\d+)', 1) as integer) as exchange_orders,
        try_cast(regexp_extract(message, 'local_active=(\d+)', 1) as integer) as local_orders
    from stg_events
    where message like '[SafetySync]%'
),

final as (
    select *, abs(exchange_orders - local_orders) as delta
    from sync
)

select * from final
