-- Exchange rate-limit samples: headroom = (cap - used) / cap (log_format.md §3.11).
with samples as (
    select session_id, byte_offset, line_no, ts, level, message,
        case
            when message like 'Exchange rate limit low (<5% headroom)%' then 'throttle_5pct'
            when message like 'Exchange rate limit truly exhausted%' then 'throttle_1pct'
            when message like 'Rate limit headroom low (<10%)%' then 'throttle_10pct'
            when message like 'Rate limited (429)%' then 'http_429'
            else 'status'
        end as kind,
        fnum(fields, 'headroom_pct') as headroom_pct,
        try_cast(fld(fields, 'used') as bigint) as used,
        try_cast(fld(fields, 'cap') as bigint) as cap,
        try_cast(fld(fields, 'consecutive_429s') as bigint) as consecutive_429s
    from stg_events
    where message in (
        'Exchange rate limit low (<5% headroom) - throttling reconciliation',
        'Exchange rate limit truly exhausted (<1%) - hard throttling reconciliation',
        'Rate limit headroom low (<10%) - throttling reconciliation',
        'Refreshed exchange rate limit cache',
        'Rate limit status'
    )
       or message like 'Rate limited (429) - entering backoff%'
),

final as (
    select
        *,
        kind like 'throttle%' and level = 'WARN' as is_low_headroom_warning,
        coalesce(headroom_pct, (cap - used) * 100.0 / nullif(cap, 0)) as headroom_pct_effective
    from samples
)

select * from final
