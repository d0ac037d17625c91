-- Forced cancel-and-replace because resting orders drifted from their targets (log_format.md §3.9):
-- the `[Reconcile]` WARN of the December/January code (with its threshold) and the `[Unified]` WARN
-- that replaced it on the live path in February (0501aad), kept apart in `kind`.
with drift as (
    select session_id, byte_offset, line_no, ts,
        if(kind = 'drift_reconcile', 'reconcile', 'unified') as kind,
        fnum(fields, 'bid_drift_bps') as bid_drift_bps,
        fnum(fields, 'ask_drift_bps') as ask_drift_bps,
        fnum(fields, 'threshold_bps') as threshold_bps,
        message
    from stg_events
    where kind in ('drift_reconcile', 'drift_unified')
),

final as (
    select *, greatest(bid_drift_bps, ask_drift_bps) as max_drift_bps
    from drift
)

select * from final
