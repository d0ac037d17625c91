-- Every own fill, tracked by the order manager or not (log_format.md §3.6).
-- Tracked and untracked are exclusive; each partial fill is one line (one tid). A paper session of
-- the March code writes `[SIM] Fill decided` (kind sim_fill) and then the same `[Fill]` line as a
-- live fill (environment/paper.rs feeds simulated fills to the FillProcessor): its fills are
-- these lines too, and session.mode says they are simulated.
with fill_lines as (
    select session_id, byte_offset, line_no, ts, ts_raw, level, message, kind
    from stg_events
    where kind in ('fill_tracked', 'fill_untracked')
),

tracked as (
    select
        *,
        regexp_extract(
            message,
            '^\[Fill\] (bought|sold) (\S+) (\S+)(?: \| oid=(\d+))?(?: tid=(\d+))? \| position: (\S+)(?: \| AS: (\S+)bps)?(?: \| P&L: \$(\S+))?$',
            ['side', 'size', 'asset', 'oid', 'tid', 'position', 'as_bps', 'pnl']
        ) as m
    from fill_lines
    where kind = 'fill_tracked'
),

untracked as (
    select
        *,
        regexp_extract(
            message,
            '^\[Fill\] Untracked order filled: oid=(\d+)(?: tid=(\d+))?(?: cloid=(.*?))? (bought|sold) (\S+) (\S+)(?: \| position updated to (\S+))?$',
            ['oid', 'tid', 'cloid', 'side', 'size', 'asset', 'position']
        ) as m
    from fill_lines
    where kind = 'fill_untracked'
),

parsed as (
    select
        session_id, byte_offset, line_no, ts, ts_raw, true as tracked,
        if(m.side = 'bought', 'buy', 'sell') as side,
        try_cast(m.size as double) as size,
        m.asset,
        try_cast(nullif(m.oid, '') as bigint) as oid,
        try_cast(nullif(m.tid, '') as bigint) as tid,
        null::varchar as cloid,
        try_cast(m.position as double) as position_after,
        try_cast(nullif(m.as_bps, '') as double) as as_bps,
        try_cast(nullif(m.pnl, '') as double) as pnl_usd,
        message
    from tracked
    where m.side <> ''
    union all
    select
        session_id, byte_offset, line_no, ts, ts_raw, false,
        if(m.side = 'bought', 'buy', 'sell'),
        try_cast(m.size as double),
        m.asset,
        try_cast(nullif(m.oid, '') as bigint),
        try_cast(nullif(m.tid, '') as bigint),
        nullif(m.cloid, ''),
        try_cast(nullif(m.position, '') as double),
        null,
        null,
        message
    from untracked
    where m.side <> ''
),

final as (
    -- a tid seen before in the session is the same fill again (a line written twice, a replayed
    -- user-fills snapshot): kept for the record, counted once (session_summary, FILL-DEDUP)
    select
        *,
        tid is not null and row_number() over (partition by session_id, tid order by byte_offset) > 1
            as duplicate_tid
    from parsed
)

select * from final
