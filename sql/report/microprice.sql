-- Microprice against the market mid for one session (parameter: session id).
-- kind 'mid': market_mid of each quote cycle (`spreads`); 'micro': l1_micro of the `[Trace]` line
-- of each cycle (log_format.md §3.17); 'crossed' / others: the rows of `microprice_checks`.
with mids as (
    select byte_offset, epoch(ts) as t, 'mid' as kind, market_mid as price, null::double as mid
    from spreads
    where session_id = $session and market_mid is not null
),

micro as (
    select byte_offset, epoch(ts) as t, 'micro' as kind, microprice as price, null::double as mid
    from microprice_checks
    where session_id = $session and kind = 'trace_micro' and microprice is not null
),

checks as (
    select byte_offset, epoch(ts) as t, kind, microprice as price, market_mid as mid
    from microprice_checks
    where session_id = $session and microprice is not null and kind <> 'trace_micro'
),

final as (
    select t, kind, price, mid
    from (select * from mids union all select * from micro union all select * from checks)
    where price is not null
    order by byte_offset
)

select * from final
