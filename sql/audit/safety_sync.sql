-- Safety-sync checks of local order state against the exchange (log_format.md §3.14).
with sync as (
    select session_id, byte_offset, line_no, ts, level, message,
        case kind
            when 'sync_mismatch' then 'mismatch'
            when 'sync_in_sync' then 'in_sync'
            when 'sync_order_state' then 'order_state'
            when 'sync_stale_order' then 'stale_order'
        end as kind,
        try_cast(regexp_extract(message, 'exchange=(\d+)', 1) as integer) as exchange_orders,
        try_cast(regexp_extract(message, 'local_active=(\d+)', 1) as integer) as local_orders
    from stg_events
    where kind in ('sync_mismatch', 'sync_in_sync', 'sync_order_state', 'sync_stale_order')
),

final as (
    select *, abs(exchange_orders - local_orders) as delta
    from sync
)

select * from final
