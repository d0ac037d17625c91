-- PRICE-QUOTE-DRIFT: forced cancel-and-replace for drift, both eras' kinds (LF §3.9,
-- log_format_2026-03.md #29): WARN `[Reconcile] Large price drift detected! …` (drift_reconcile, Dec/Jan)
-- and WARN `[Unified] Large drift - forcing full cancel + replace` (drift_unified, Feb+).
-- observed = number of them. evidence = worst drifts.
with sessions as (
    select s.session_id, s.first_quote_ts, s.fills_total, s.price_drift_events, s.min_price_drift_bps,
           s.max_price_drift_bps,
           s.drift_reconcile_events, s.drift_unified_events
    from session_summary as s
    join scope_sessions using (session_id)
),

worst as (
    select session_id,
        list(rule_ev(line_no, ts, format('{} (bid {} bps, ask {} bps)', message, bid_drift_bps, ask_drift_bps))
             order by max_drift_bps desc, byte_offset)[1:10] as evidence
    from price_drift
    join scope_sessions using (session_id)
    group by all
),

final as (
    select
        s.session_id,
        s.first_quote_ts is not null or s.fills_total > 0 or s.price_drift_events > 0 as evaluated,
        s.price_drift_events as observed,
        if(s.price_drift_events > 0,
           format('{} large price drift warnings ({}-{} bps; [Reconcile] {}, [Unified] {})', s.price_drift_events,
                  s.min_price_drift_bps, s.max_price_drift_bps, s.drift_reconcile_events, s.drift_unified_events),
           '0 large price drift warnings') as summary,
        coalesce(w.evidence, []) as evidence
    from sessions as s
    left join worst as w using (session_id)
)

select * from final
