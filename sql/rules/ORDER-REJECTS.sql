-- ORDER-REJECTS: order rejection ERRORs (LF §3.7), kinds order_rejected (`Order rejected: …`, with
-- the exchange's text in `error=`), bulk_batch_rejected (`[PlaceBulk] Batch rejected: …`) and the
-- December bulk_order_rejected (`Bulk order {} rejected: …`). observed = their lines.
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
      and kind in ('order_rejected', 'bulk_batch_rejected', 'bulk_order_rejected')
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
