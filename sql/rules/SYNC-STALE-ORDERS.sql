-- SYNC-STALE-ORDERS: WARN `[SafetySync] Stale order in tracking (not on exchange): oid={} - removing`
-- (LF §3.14; live in Dec code). Evaluated when safety-sync lines exist.
with sessions as (
    select s.session_id, s.safety_checks, s.stale_orders
    from session_summary as s
    join scope_sessions using (session_id)
),

lines as (
    select session_id, list(rule_ev(line_no, ts, message) order by byte_offset)[1:10] as evidence
    from safety_sync
    join scope_sessions using (session_id)
    where kind = 'stale_order'
    group by all
),

final as (
    select
        s.session_id,
        s.safety_checks > 0 or s.stale_orders > 0 as evaluated,
        s.stale_orders as observed,
        format('{} stale orders removed from tracking', s.stale_orders) as summary,
        coalesce(l.evidence, []) as evidence
    from sessions as s
    left join lines as l using (session_id)
)

select * from final
