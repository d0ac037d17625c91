-- Exchange rate-limit headroom over time for one session (parameter: session id).
with samples as (
    select byte_offset, epoch(ts) as t, kind, headroom_pct_effective as headroom_pct, used, cap
    from rate_limit
    where session_id = $session and headroom_pct_effective is not null
),

final as (
    select t, kind, headroom_pct, used, cap
    from samples
    order by byte_offset
)

select * from final
