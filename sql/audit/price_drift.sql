-- Forced cancel-and-replace because resting orders drifted from their targets (log_format.md §3.9).
with drift as (
    select session_id, byte_offset, line_no, ts,
        fnum(fields, 'bid_drift_bps') as bid_drift_bps,
        fnum(fields, 'ask_drift_bps') as ask_drift_bps,
        fnum(fields, 'threshold_bps') as threshold_bps,
        message
    from stg_events
    where message = '[Reconcile] Large price drift detected! Forcing full cancel + replace'
),

final as (
    select *, greatest(bid_drift_bps, ask_drift_bps) as max_drift_bps
    from drift
)

select * from final
