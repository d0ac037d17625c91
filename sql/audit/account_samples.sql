-- Account equity and free margin over time (log_format.md §3.4, log_format_2026-03.md §1 #42-47).
-- equity: account_value / total; free_margin: margin_available / available_margin / available;
-- usable_margin: the March code's Cartea-Jaimungal allocation (a fallback for free margin).
with samples as (
    select session_id, byte_offset, line_no, ts, message, kind as event_kind, 'equity' as kind,
           fnum(fields, 'account_value') as value
    from stg_events
    where kind in ('account_capital_efficient', 'account_capital_default', 'margin_webdata2', 'margin_refreshed')
    union all
    select session_id, byte_offset, line_no, ts, message, kind, 'equity', fnum(fields, 'total')
    from stg_events
    where kind = 'account_unified'
    union all
    -- a paper run's simulated balance (`Paper auto-derive …` paper_balance "$1000.00")
    select session_id, byte_offset, line_no, ts, message, kind, 'equity', fnum(fields, 'paper_balance')
    from stg_events
    where kind = 'paper_autoderive'
    union all
    select session_id, byte_offset, line_no, ts, message, kind, 'free_margin',
           coalesce(fnum(fields, 'margin_available'), fnum(fields, 'available_margin'))
    from stg_events
    where kind in ('capacity_reduce_only', 'capacity_capped', 'margin_alloc_stochastic')
    union all
    select session_id, byte_offset, line_no, ts, message, kind, 'free_margin', fnum(fields, 'available')
    from stg_events
    where kind = 'margin_refreshed'
    union all
    select session_id, byte_offset, line_no, ts, message, kind, 'usable_margin', fnum(fields, 'usable_margin')
    from stg_events
    where kind = 'margin_alloc_cj'
    union all
    select session_id, byte_offset, line_no, ts, message, kind, 'margin_used', fnum(fields, 'margin_used')
    from stg_events
    where kind in ('margin_refreshed', 'margin_webdata2')
),

final as (
    select * from samples where value is not null
)

select * from final
