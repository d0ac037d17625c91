-- Own fills on a timeline for one session (parameter: session id): tracked or not, buy or sell.
with session_fills as (
    select byte_offset, epoch(ts) as t, tracked, side, size, position_after, oid, line_no
    from fills
    where session_id = $session
),

final as (
    select t, tracked, side, size, position_after, oid, line_no
    from session_fills
    order by byte_offset
)

select * from final
