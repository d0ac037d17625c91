-- Exchange rate-limit samples: headroom = (cap - used) / cap (log_format.md §3.11). Throttle
-- warnings of every era (<10 %, <5 %, <1 % of the January code; `Rate limit exhausted (<1%)` of the
-- March code) and the March code's per-cycle quota shadow spread, which carries headroom_pct.
with samples as (
    select session_id, byte_offset, line_no, ts, level, message,
        case kind
            when 'rate_low_5pct' then 'throttle_5pct'
            when 'rate_exhausted_reconcile' then 'throttle_1pct'
            when 'rate_exhausted' then 'exhausted_1pct'
            when 'rate_low_10pct' then 'throttle_10pct'
            when 'rate_429' then 'http_429'
            when 'quota_shadow_spread' then 'shadow_spread'
            else 'status'
        end as kind,
        fnum(fields, 'headroom_pct') as headroom_pct,
        try_cast(fld(fields, 'used') as bigint) as used,
        try_cast(fld(fields, 'cap') as bigint) as cap,
        try_cast(fld(fields, 'consecutive_429s') as bigint) as consecutive_429s
    from stg_events
    where kind in ('rate_low_5pct', 'rate_exhausted_reconcile', 'rate_exhausted', 'rate_low_10pct',
                   'rate_cache_refreshed', 'rate_status', 'rate_429', 'quota_shadow_spread')
),

final as (
    select
        *,
        (kind like 'throttle%' or kind = 'exhausted_1pct') and level = 'WARN' as is_low_headroom_warning,
        coalesce(headroom_pct, (cap - used) * 100.0 / nullif(cap, 0)) as headroom_pct_effective
    from samples
)

select * from final
