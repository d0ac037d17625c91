-- Account equity and free margin over time for one session (parameter: session id).
with samples as (
    select byte_offset, epoch(ts) as t, kind, value
    from account_samples
    where session_id = $session and kind in ('equity', 'free_margin')
),

final as (
    select t, kind, value
    from samples
    order by byte_offset
)

select * from final
