-- Position over time for one session (parameter: session id): every position sample of the
-- audit table `positions` (fills, periodic metrics, shutdown), in log order.
with samples as (
    select byte_offset, epoch(ts) as t, position, kind
    from positions
    where session_id = $session
),

final as (
    select t, position, kind
    from samples
    order by byte_offset
)

select * from final
