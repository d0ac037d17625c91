-- PNL-LOSS-EXPLAINED: is the session's loss the inventory marked against the price ("not a bug, but
-- market movement against position", audit_rules.md §2.2), or did quoting itself lose money? Read
-- from the March code's last `[PnL] session decomposition` (kind pnl_decomposition): observed = the
-- share of the loss that is unrealized inventory P&L (1 when there is no loss). A loss made of
-- negative spread capture, adverse selection or fees is not explained by the market's move.
with sessions as (
    select s.session_id, s.pnl_total_usd, s.pnl_realized_usd, s.pnl_unrealized_usd, s.pnl_spread_capture_usd,
           s.pnl_adverse_selection_usd, s.pnl_fees_usd, s.position_at_shutdown, s.log_asset
    from session_summary as s
    join scope_sessions using (session_id)
),

last_line as (
    select session_id, arg_max(rule_ev(line_no, ts, format('{} (total {}, realized {}, unrealized {}, spread capture {}, '
                                                           'adverse selection {}, fees {})', message,
                                                           fld(fields, 'total'), fld(fields, 'realized'),
                                                           fld(fields, 'unrealized'), fld(fields, 'spread_capture'),
                                                           fld(fields, 'adverse_selection'), fld(fields, 'fees'))),
                                   byte_offset) as ev
    from stg_events
    where kind = 'pnl_decomposition'
    group by all
),

final as (
    select
        s.session_id,
        s.pnl_total_usd is not null as evaluated,
        case when s.pnl_total_usd >= 0 then 1.0
             else round(least(greatest(coalesce(s.pnl_unrealized_usd, 0) / s.pnl_total_usd, 0), 1), 4) end as observed,
        case when s.pnl_total_usd >= 0 then format('no loss: P&L {:+.2f} USD', s.pnl_total_usd)
             else format('loss {:.2f} USD: unrealized (inventory marked to market) {:+.2f}, realized {:+.2f} '
                         '(spread capture {:+.2f}, adverse selection {:+.2f}, fees {:+.2f}); position at shutdown {}',
                         s.pnl_total_usd, s.pnl_unrealized_usd, s.pnl_realized_usd, s.pnl_spread_capture_usd,
                         s.pnl_adverse_selection_usd, s.pnl_fees_usd, s.position_at_shutdown)
        end as summary,
        if(l.ev is null, [], [l.ev]) as evidence
    from sessions as s
    left join last_line as l using (session_id)
)

select * from final
