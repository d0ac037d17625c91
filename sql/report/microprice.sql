-- Microprice against the market mid for one session (parameter: session id, twice).
-- kind 'mid': market_mid of each quote cycle (`spreads`); 'micro': l1_micro of the `[Trace]` line
-- of each cycle (log_format.md §3.17); 'crossed' / others: the rows of `microprice_checks`.
with bounds as (
    select source_id, join_from, coalesce(next_start_offset, 9223372036854775807) as next_start
    from session_bounds
    where session_id = $session
),

mids as (
    select byte_offset, epoch(ts) as t, 'mid' as kind, market_mid as price, null::double as mid
    from spreads
    where session_id = $session and market_mid is not null
),

micro as (
    select e.byte_offset, epoch(e.ts) as t, 'micro' as kind, fnum(e.fields, 'l1_micro') as price,
           null::double as mid
    from events as e
    join bounds as b
        on e.source_id = b.source_id and e.byte_offset >= b.join_from and e.byte_offset < b.next_start
    where e.message = '[Trace] L1->L2->L3 pipeline'
),

checks as (
    select byte_offset, epoch(ts) as t, kind, microprice as price, market_mid as mid
    from microprice_checks
    where session_id = $session and microprice is not null
),

final as (
    select t, kind, price, mid
    from (select * from mids union all select * from micro union all select * from checks)
    where price is not null
    order by byte_offset
)

select * from final
