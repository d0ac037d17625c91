-- Sources whose session split (table session_bounds) is missing or older than their loaded events:
-- `mmwatch sources` recomputes the sessions of these before listing them. Every event of a source
-- belongs to one of its sessions, so the per-session counts add up to the source's events.
with bounds as (
    select source_id, sum(n_events) as n_events
    from session_bounds
    group by source_id
),

final as (
    select s.source_id
    from sources as s
    left join bounds as b using (source_id)
    where s.events > 0
      and coalesce(b.n_events, 0) <> s.events
)

select * from final
