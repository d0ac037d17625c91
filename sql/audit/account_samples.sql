-- Account equity and free margin over time (log_format.md §3.4).
-- equity: account_value / total; free_margin: margin_available / available_margin / available.
with samples as (
    select session_id, byte_offset, line_no, ts, message, 'equity' as kind, fnum(fields, 'account_value') as value
    from stg_events
    where message in (
        'Capital-efficient position limits (use gamma to control risk)',
        'Margin state updated from WebData2',
        'Margin state refreshed'
    )
    union all
    select session_id, byte_offset, line_no, ts, message, 'equity', fnum(fields, 'total')
    from stg_events
    where message = 'Unified account value (perps clearinghouse + spot collateral)'
    union all
    select session_id, byte_offset, line_no, ts, message, 'free_margin',
           coalesce(fnum(fields, 'margin_available'), fnum(fields, 'available_margin'))
    from stg_events
    where message in (
        'Quoting capacity: user max_position is for reduce-only only',
        'Margin allocation (stochastic-weighted split)'
    )
    union all
    select session_id, byte_offset, line_no, ts, message, 'free_margin', fnum(fields, 'available')
    from stg_events
    where message = 'Margin state refreshed'
    union all
    select session_id, byte_offset, line_no, ts, message, 'margin_used', fnum(fields, 'margin_used')
    from stg_events
    where message in ('Margin state refreshed', 'Margin state updated from WebData2')
),

final as (
    select * from samples where value is not null
)

select * from final
