-- LADDER-ENTROPY: `Entropy optimizer applied to bids/asks` lines with active_levels > 0 (LF §3.16).
-- Evaluated when the log shows quote cycles or entropy lines, except on the March code's Micro and
-- Small capital tiers (`Capacity diagnostic` capital_tier), which skip the entropy optimizer by
-- design (mm/config/capacity.rs, `skip_entropy_optimization`). observed = active entropy lines.
with sessions as (
    select s.session_id, s.entropy_events, s.entropy_active_events, s.quote_cycles, s.capital_tier
    from session_summary as s
    join scope_sessions using (session_id)
),

final as (
    select
        s.session_id,
        (s.quote_cycles > 0 or s.entropy_events > 0) and coalesce(s.capital_tier, '') not in ('Micro', 'Small')
            as evaluated,
        s.entropy_active_events as observed,
        if(s.capital_tier in ('Micro', 'Small'),
           format('capital tier {} skips the entropy optimizer by design', s.capital_tier),
           format('{} entropy optimizer lines ({} with active levels) over {} cycles', s.entropy_events,
                  s.entropy_active_events, s.quote_cycles)) as summary,
        []::struct(line_no bigint, ts varchar, text varchar)[] as evidence
    from sessions as s
)

select * from final
