-- The code era each session's lines come from: the era of the message catalogue whose templates
-- the session matches most (each template counted once). Ties give no era (null): a session whose
-- lines all exist in two eras does not say which code wrote it.
with matched as (
    select distinct session_id, pattern_key
    from stg_events
    where pattern_key is not null
),

template_eras as (
    select distinct pattern_key, unnest(eras) as era
    from stg_catalogue
),

scores as (
    select m.session_id, t.era, count(*) as templates
    from matched as m
    join template_eras as t using (pattern_key)
    group by all
),

ranked as (
    select
        *,
        rank() over (partition by session_id order by templates desc) as place,
        count(*) over (partition by session_id, templates) as sharing
    from scores
),

final as (
    select
        b.session_id,
        max(r.era) filter (where r.place = 1 and r.sharing = 1) as bot_era,
        map_from_entries(list({'k': r.era, 'v': r.templates} order by r.era) filter (where r.era is not null))
            as era_templates,
        (select count(distinct pattern_key) from matched as m where m.session_id = b.session_id)
            as known_templates
    from scope_sessions as b
    left join ranked as r using (session_id)
    group by all
)

select * from final
