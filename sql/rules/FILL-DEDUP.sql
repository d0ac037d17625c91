-- FILL-DEDUP: fill lines whose trade id (tid) an earlier fill line of the session already carried
-- (audit_rules.md: fills are unique per tid). Counted once in every fill figure; the repeats are
-- the finding (a line written twice, a user-fills snapshot replayed into the session).
-- observed = repeated fill lines.
with sessions as (
    select s.session_id, s.fills_duplicate_tid
    from session_summary as s
    join scope_sessions using (session_id)
),

repeats as (
    select session_id, list(rule_ev(line_no, ts, message) order by byte_offset)[1:10] as evidence
    from fills
    join scope_sessions using (session_id)
    where duplicate_tid
    group by all
),

final as (
    select
        s.session_id,
        true as evaluated,
        s.fills_duplicate_tid as observed,
        if(s.fills_duplicate_tid > 0, format('{} fill lines repeat a tid already filled (counted once)',
                                             s.fills_duplicate_tid),
           'every fill line has its own tid') as summary,
        coalesce(r.evidence, []) as evidence
    from sessions as s
    left join repeats as r using (session_id)
)

select * from final
