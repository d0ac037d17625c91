-- Events of the sources in scope that must not shape a session's boundaries, times or counts
-- (one row per flagged event):
--   duplicate: the same line (timestamp, level, target, fields and spans) as an earlier line of
--     the source: a log written twice, or copied into itself. The bot stamps every event to the
--     microsecond, so two real events never render alike.
--   time_jump: a timestamp far from both its neighbours, which agree with each other (a line
--     stamped 9999-12-31 or year 0 inside a 2026 run). The bot writes a line at least every minute
--     while it runs, so a jump out and back is a bad stamp, not a pause.
with scoped as (
    select e.source_id, e.byte_offset, e.ts,
        hash(e.ts_raw, e.level, e.target, e.fields::varchar, e.span::varchar, e.spans::varchar) as line_hash
    from events as e
    join scope_sources using (source_id)
),

neighbours as (
    select
        source_id, byte_offset, ts, line_hash,
        lag(ts) over w as prev_ts,
        lead(ts) over w as next_ts,
        row_number() over (partition by source_id, line_hash order by byte_offset) > 1 as is_duplicate
    from scoped
    window w as (partition by source_id order by byte_offset)
),

flagged as (
    select
        source_id, byte_offset, is_duplicate,
        (prev_ts is not null or next_ts is not null)
            and (prev_ts is null or abs(epoch(ts) - epoch(prev_ts)) > 3600)
            and (next_ts is null or abs(epoch(next_ts) - epoch(ts)) > 3600)
            and (prev_ts is null or next_ts is null or abs(epoch(next_ts) - epoch(prev_ts)) <= 3600)
            as is_time_jump
    from neighbours
),

final as (
    select source_id, byte_offset, is_duplicate, is_time_jump
    from flagged
    where is_duplicate or is_time_jump
)

select * from final
