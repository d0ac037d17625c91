-- Sources with sessions not audited yet, or with events loaded since their last audit: the nightly
-- flow audit-new-sessions audits these. An audit writes one session_summary row per session with
-- the session's event count; every event belongs to a session, so an audited, unchanged source's
-- counts add up to its events.
with audited as (
    select source_id, sum(lines_events) as events_audited
    from session_summary
    group by source_id
),

final as (
    select s.source_id, s.path, s.events, coalesce(a.events_audited, 0) as events_audited
    from sources as s
    left join audited as a using (source_id)
    where s.events > 0
      and coalesce(a.events_audited, 0) <> s.events
    order by s.first_seen, s.source_id
)

select * from final
