-- ORDER-REJECTS: order rejection ERRORs (LF §3.7): `Order rejected: …`, `[PlaceBulk] Batch rejected: …`,
-- Dec `Bulk order {} rejected: …`, and the exchange's rejection texts. ERROR lines are always logged,
-- so a session with none of them is evaluated (observed 0).
with sessions as (
    select s.session_id
    from session_summary as s
    join scope_sessions using (session_id)
),

rejects as (
    select session_id, template, n, first_line, example
    from warn_taxonomy
    join scope_sessions using (session_id)
    where level = 'ERROR'
      and (template like 'Order rejected:%'
           or template like '[PlaceBulk] Batch rejected:%'
           or template like 'Bulk order % rejected:%'
           or template like '%Post only order would have immediately matched%'
           or template like '%Order has invalid price%'
           or template like '%invalid size%'
           or template like '%Insufficient margin to place order%')
),

by_session as (
    select session_id, sum(n)::bigint as n, count(*) as n_templates,
        list(rule_ev(first_line, null::timestamptz, format('{} x {}', n, example)) order by n desc, template)[1:10] as evidence
    from rejects
    group by all
),

final as (
    select
        s.session_id,
        true as evaluated,
        coalesce(r.n, 0) as observed,
        format('{} order rejection ERRORs in {} templates', coalesce(r.n, 0), coalesce(r.n_templates, 0)) as summary,
        coalesce(r.evidence, []) as evidence
    from sessions as s
    left join by_session as r using (session_id)
)

select * from final
