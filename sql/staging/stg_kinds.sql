-- The event kind of every event of the sources in scope that the message catalogue knows (one row
-- per classified event; events no template matches are absent). Each distinct message is matched
-- once (macro message_template, sql/staging/message_kind.sql).
with scoped as (
    select e.source_id, e.byte_offset, e.message
    from events as e
    join scope_sources using (source_id)
    where e.message is not null
),

templates as (
    select distinct pattern_key, kind, family
    from stg_catalogue
),

matched as (
    select message, message_template(message) as pattern_key
    from (select distinct message from scoped)
),

final as (
    select s.source_id, s.byte_offset, t.kind, t.family, t.pattern_key
    from scoped as s
    join matched as m using (message)
    join templates as t using (pattern_key)
)

select * from final
