-- SESSION-DURATION: wall time between the first and last timestamp of the session (LF §3.1).
-- observed = seconds; the author asks for 3600 s sessions (threshold in the expectation).
with sessions as (
    select s.session_id, s.duration_s, s.first_ts, s.last_ts
    from session_summary as s
    join scope_sessions using (session_id)
),

final as (
    select
        session_id,
        duration_s is not null as evaluated,
        duration_s as observed,
        format('{:.1f} min ({} -> {} UTC)', duration_s / 60, strftime(first_ts, '%H:%M:%S'),
               strftime(last_ts, '%H:%M:%S')) as summary,
        []::struct(line_no bigint, ts varchar, text varchar)[] as evidence
    from sessions
)

select * from final
