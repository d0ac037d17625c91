-- FILL-COUNT: own fills, tracked + untracked (LF §3.6; never `Trades processed`/`Fill processed`).
with sessions as (
    select s.session_id, s.fills_total, s.fills_tracked, s.fills_untracked, s.fills_buys, s.fills_sells
    from session_summary as s
    join scope_sessions using (session_id)
),

final as (
    select
        session_id,
        true as evaluated,
        fills_total as observed,
        format('{} fills ({} tracked, {} untracked; {} buys, {} sells)', fills_total, fills_tracked,
               fills_untracked, fills_buys, fills_sells) as summary,
        []::struct(line_no bigint, ts varchar, text varchar)[] as evidence
    from sessions
)

select * from final
