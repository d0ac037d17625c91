-- What the March code tells about P&L and edge at INFO (log_format_2026-03.md §3), one row per
-- sample: `[PnL] session decomposition` every 30 s (realized, unrealized, total, spread capture,
-- adverse selection, fees, funding as "$x.xx"), `[EDGE RESOLVED]` per tracked fill ~5 s later
-- (markout edge in bps) and `[AS OUTCOME]` per adverse fill (5 s markout).
with samples as (
    select session_id, byte_offset, line_no, ts, 'pnl' as kind,
        fnum(fields, 'realized') as realized_usd,
        fnum(fields, 'unrealized') as unrealized_usd,
        fnum(fields, 'total') as total_usd,
        fnum(fields, 'spread_capture') as spread_capture_usd,
        fnum(fields, 'adverse_selection') as adverse_selection_usd,
        fnum(fields, 'fees') as fees_usd,
        fnum(fields, 'funding') as funding_usd,
        try_cast(fld(fields, 'fills') as bigint) as fills,
        null::double as edge_bps,
        null::double as magnitude_bps
    from stg_events
    where kind = 'pnl_decomposition'
    union all
    select session_id, byte_offset, line_no, ts, 'edge', null, null, null, null, null, null, null, null,
        fnum(fields, 'edge_bps'), fnum(fields, 'markout_as_bps')
    from stg_events
    where kind = 'edge_resolved'
    union all
    select session_id, byte_offset, line_no, ts, 'adverse', null, null, null, null, null, null, null, null,
        null, fnum(fields, 'magnitude_bps')
    from stg_events
    where kind = 'as_outcome'
),

final as (
    select * from samples
)

select * from final
