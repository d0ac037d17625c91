-- SYNC-MISMATCH: largest |exchange - local_active| order delta of WARN `[SafetySync] State mismatch:
-- exchange={}, local_active={}` (LF §3.14); 0 when the sync ran and never mismatched. Evaluated
-- when safety-sync lines exist. The rule does not measure how long a mismatch lasted.
with sessions as (
    select s.session_id, s.safety_checks, s.safety_mismatches, s.max_mismatch_delta
    from session_summary as s
    join scope_sessions using (session_id)
),

worst as (
    select session_id,
        list(rule_ev(line_no, ts, message) order by delta desc, byte_offset)[1:10] as evidence
    from safety_sync
    join scope_sessions using (session_id)
    where kind = 'mismatch'
    group by all
),

final as (
    select
        s.session_id,
        s.safety_checks > 0 or s.safety_mismatches > 0 as evaluated,
        coalesce(s.max_mismatch_delta, 0) as observed,
        format('{} state mismatches in {} safety syncs (max delta {} orders)', s.safety_mismatches, s.safety_checks,
               coalesce(s.max_mismatch_delta, 0)) as summary,
        coalesce(w.evidence, []) as evidence
    from sessions as s
    left join worst as w using (session_id)
)

select * from final
