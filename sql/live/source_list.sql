-- One row per source for `mmwatch sources`: where it is, how far it is loaded, and its sessions.
with session_ids as (
    select source_id, list(session_id order by start_offset) as session_ids
    from session_bounds
    group by source_id
),

final as (
    select
        s.source_id,
        s.path,
        s.fingerprint,
        s.committed_offset,
        s.size_seen,
        s.events,
        s.other,
        s.first_seen,
        s.last_pull,
        coalesce(i.session_ids, []::varchar[]) as session_ids
    from sources as s
    left join session_ids as i using (source_id)
    order by s.first_seen, s.source_id
)

select * from final
