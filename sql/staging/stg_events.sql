-- The events of the sessions in scope that carry audit evidence, with their session id and their
-- kind from the message catalogue (null: no template of the catalogue matches). Everything
-- downstream reads `kind`, never the message text. Repeated lines are left out; a line with a
-- stray timestamp stays (its content is evidence) with is_time_jump set.
-- DEBUG lines are ~90% of a debug-level log and almost none is evidence: only DEBUG lines of a kind
-- the catalogue knows are kept, so every audit query scans a small table.
with scoped as (
    select e.*, k.kind, k.family, k.pattern_key, coalesce(c.is_time_jump, false) as is_time_jump
    from events as e
    join scope_sources using (source_id)
    left join stg_kinds as k using (source_id, byte_offset)
    left join stg_event_checks as c using (source_id, byte_offset)
    -- a repeat of an earlier line is not evidence twice (a fill, a WARN): counted in session_lines
    where not coalesce(c.is_duplicate, false)
),

evidence as (
    select *
    from scoped
    where level <> 'DEBUG' or kind is not null
),

final as (
    select b.session_id, e.*
    from evidence as e
    asof join session_bounds as b
        on e.source_id = b.source_id and e.byte_offset >= b.join_from
)

select * from final
