-- One row per session with every figure of report.json. A figure the log does not carry is null.
with sessions as (
    select b.*, s.path as source_path
    from scope_sessions as b
    join sources as s using (source_id)
),

identity as (
    select
        session_id,
        coalesce(
            arg_min(fld(fields, 'asset'), byte_offset) filter (where kind = 'startup_begin'),
            arg_min(fld(fields, 'asset'), byte_offset) filter (where kind in ('startup_validator', 'startup_hip3')),
            arg_min(fld(fields, 'asset'), byte_offset) filter (where kind = 'observation_loop_started'),
            arg_min(regexp_extract(message, '^Market maker started for (\S+) with', 1), byte_offset)
                filter (where kind = 'mm_started')
        ) as asset,
        -- only from a line of the session: the file name is not evidence
        lower(arg_min(fld(fields, 'network'), byte_offset) filter (where kind = 'startup_begin')) as network,
        coalesce(
            arg_min(regexp_extract(message, ' with (\S+) strategy$', 1), byte_offset) filter (where kind = 'mm_started'),
            arg_min(fld(fields, 'strategy'), byte_offset) filter (where kind = 'observation_loop_started')
        ) as strategy,
        -- paper: the March code's auto-calibration run (or a paper trader) in this session
        bool_or(kind in ('paper_started', 'paper_autoderive', 'sim_fill', 'paper_duration_elapsed')
                or (kind = 'observation_loop_started' and lower(fld(fields, 'is_live')) = 'false')) as is_paper,
        bool_or(kind = 'paper_prior_injected') as paper_prior_injected,
        count(*) filter (where kind = 'sim_fill') as sim_fills
    from stg_events
    group by all
),

fill_stats as (
    select
        session_id,
        count(*) as fills_total,
        count(*) filter (where tracked) as fills_tracked,
        count(*) filter (where not tracked) as fills_untracked,
        count(*) filter (where side = 'buy') as fills_buys,
        count(*) filter (where side = 'sell') as fills_sells,
        arg_max(pnl_usd, byte_offset) filter (where tracked and pnl_usd is not null) as tracked_pnl_usd,
        arg_max(position_after, byte_offset) filter (where position_after is not null) as last_fill_position
    from fills
    where not duplicate_tid
    group by all
),

fill_repeats as (
    select session_id, count(*) as fills_duplicate_tid
    from fills
    where duplicate_tid
    group by all
),

account as (
    select
        session_id,
        arg_min(value, byte_offset) filter (where kind = 'equity') as initial_value,
        arg_max(value, byte_offset) filter (where kind = 'equity') as final_value,
        count(*) filter (where kind = 'equity') as equity_samples,
        arg_min(value, byte_offset) filter (where kind = 'free_margin') as initial_margin_available,
        coalesce(arg_max(value, byte_offset) filter (where kind = 'free_margin'),
                 arg_max(value, byte_offset) filter (where kind = 'usable_margin')) as final_margin_available,
        if(count(*) filter (where kind = 'free_margin') > 0, arg_max(event_kind, byte_offset) filter (where kind = 'free_margin'),
           arg_max(event_kind, byte_offset) filter (where kind = 'usable_margin')) as final_margin_kind
    from account_samples
    group by all
),

pricing as (
    select
        session_id,
        count(*) filter (where is_crossed_mid) as crossed_mid_events,
        count(*) filter (where kind = 'bbo_crossing') as bbo_crossing_filtered_events,
        count(*) filter (where kind = 'bbo_crossing_skip') as bbo_crossing_skipped_events,
        count(*) filter (where kind = 'drift_capped') as drift_capped_events,
        count(*) filter (where kind = 'ema_reset') as ema_reset_events,
        max(abs(divergence_bps)) as max_microprice_mid_bps,
        min(microprice) filter (where is_crossed_mid) as crossed_min_microprice,
        max(microprice) filter (where is_crossed_mid) as crossed_max_microprice,
        min(market_mid) filter (where is_crossed_mid) as crossed_min_mid,
        max(market_mid) filter (where is_crossed_mid) as crossed_max_mid
    from microprice_checks
    group by all
),

drift as (
    select session_id, count(*) as price_drift_events, min(max_drift_bps) as min_price_drift_bps,
           max(max_drift_bps) as max_price_drift_bps,
           count(*) filter (where kind = 'reconcile') as drift_reconcile_events,
           count(*) filter (where kind = 'unified') as drift_unified_events
    from price_drift
    group by all
),

preferred_spreads as (
    -- the session's most preferred spread kind only (spreads.sql)
    select *
    from spreads
    qualify preference = min(preference) over (partition by session_id)
),

spread as (
    select session_id, any_value(kind) as spread_source, avg(spread_bps) as mean_spread_bps,
           median(spread_bps) as median_spread_bps, quantile_cont(spread_bps, 0.95) as p95_spread_bps
    from preferred_spreads
    group by all
),

rate as (
    select
        session_id,
        count(*) filter (where is_low_headroom_warning) as low_headroom_events,
        min(headroom_pct_effective) as min_headroom_pct,
        max(headroom_pct_effective) as max_headroom_pct,
        arg_min(headroom_pct_effective, byte_offset) filter (where headroom_pct_effective is not null) as first_headroom_pct,
        arg_max(headroom_pct_effective, byte_offset) filter (where headroom_pct_effective is not null) as last_headroom_pct,
        min(used) as min_used,
        max(used) as max_used,
        arg_max(cap, byte_offset) filter (where cap is not null) as cap,
        count(*) filter (where kind = 'http_429') as http_429_events,
        count(*) filter (where kind in ('throttle_1pct', 'exhausted_1pct')) as exhausted_events,
        min(ts) filter (where is_low_headroom_warning) as first_throttle_ts,
        max(ts) filter (where is_low_headroom_warning) as last_throttle_ts
    from rate_limit
    group by all
),

ladder_stats as (
    select
        session_id,
        coalesce(
            arg_max(configured, byte_offset) filter (where kind = 'configured'),
            arg_max(configured, byte_offset) filter (where kind = 'reduced')
        ) as configured_levels,
        min(effective_bid) filter (where kind = 'reduced') as min_effective_bid,
        min(effective_ask) filter (where kind = 'reduced') as min_effective_ask,
        mode(effective_bid) filter (where kind = 'reduced') as mode_effective_bid,
        mode(effective_ask) filter (where kind = 'reduced') as mode_effective_ask,
        count(*) filter (where kind = 'reduced') as reduction_events,
        count(*) filter (where kind = 'empty') as empty_ladder_events,
        count(*) filter (where kind like 'entropy%') as entropy_events,
        count(*) filter (where kind like 'entropy%' and active_levels > 0) as entropy_active_events,
        arg_max(capital_tier, byte_offset) filter (where kind = 'capacity') as capital_tier
    from ladder
    group by all
),

kill as (
    select
        session_id,
        count(*) filter (where kind = 'triggered') as trigger_events,
        count(*) filter (where kind = 'verdict_triggered') as verdict_triggered,
        count(*) filter (where kind = 'verdict_not_triggered') as verdict_not_triggered,
        count(*) filter (where kind = 'condition') as condition_events,
        count(*) filter (where kind = 'status') as status_events,
        count(*) filter (where kind = 'enabled') > 0 as enabled_logged,
        list_distinct(flatten(list(reasons) filter (where kind in ('triggered', 'verdict_triggered')))) as reasons,
        max(drawdown_pct) filter (where kind in ('status', 'verdict_not_triggered')) as max_drawdown_pct,
        arg_max(daily_pnl_usd, byte_offset) filter (where daily_pnl_usd is not null) as last_daily_pnl_usd,
        max(data_age_s) as max_data_age_s,
        max(cascade_severity) as max_cascade_severity,
        arg_max(postmortem_path, byte_offset) filter (where kind = 'postmortem') as postmortem_path,
        count(*) filter (where kind = 'stuck_inventory') as stuck_inventory_events
    from kill_switch
    group by all
),

sync as (
    select
        session_id,
        greatest(count(*) filter (where kind in ('in_sync', 'mismatch')),
                 count(*) filter (where kind = 'order_state')) as checks,
        count(*) filter (where kind = 'mismatch') as mismatches,
        max(delta) as max_mismatch_delta,
        count(*) filter (where kind = 'stale_order') as stale_orders
    from safety_sync
    group by all
),

warm as (
    select
        session_id,
        arg_max(volume_ticks, byte_offset) filter (where kind = 'progress' and before_first_quote) as first_quote_volume_ticks,
        arg_max(volume_ticks_required, byte_offset) filter (where kind in ('progress', 'incomplete')) as required_volume_ticks,
        count(*) filter (where kind = 'incomplete' and not coalesce(before_first_quote, true)) as incomplete_after_first_quote,
        min(ts) filter (where kind = 'first_quote') as first_quote_ts,
        min(line_no) filter (where kind = 'first_quote') as first_quote_line,
        arg_min(message, byte_offset) filter (where kind = 'first_quote') as first_quote_message,
        count(*) filter (where kind = 'incomplete') as warmup_waits,
        bool_or(kind = 'calibration_met') as calibration_met,
        bool_or(kind = 'calibration_timeout') as calibration_timeout
    from warmup
    group by all
),

cycles as (
    -- quote cycles: one `[Trace] L1->L2->L3 pipeline` line per cycle (LF §3.17), one `cycle_summary`
    -- per cycle of the March code, else one `Quote positions vs market` line per cycle (LF §3.15)
    select session_id,
        greatest(count(*) filter (where kind = 'pipeline_trace'),
                 count(*) filter (where kind = 'cycle_summary'),
                 count(*) filter (where kind = 'quote_positions')) as quote_cycles
    from stg_events
    where kind in ('pipeline_trace', 'quote_positions', 'cycle_summary')
    group by all
),

cycle_summaries as (
    select session_id,
        count(*) filter (where kind = 'cycle') as cycle_summaries,
        count(*) filter (where kind = 'cycle' and both_sides) as cycles_both_sides,
        count(*) filter (where kind = 'regime') as regime_transitions
    from quote_cycles
    group by all
),

pnl as (
    select session_id,
        arg_max(realized_usd, byte_offset) filter (where kind = 'pnl') as pnl_realized_usd,
        arg_max(unrealized_usd, byte_offset) filter (where kind = 'pnl') as pnl_unrealized_usd,
        arg_max(total_usd, byte_offset) filter (where kind = 'pnl') as pnl_total_usd,
        arg_max(spread_capture_usd, byte_offset) filter (where kind = 'pnl') as pnl_spread_capture_usd,
        arg_max(adverse_selection_usd, byte_offset) filter (where kind = 'pnl') as pnl_adverse_selection_usd,
        arg_max(fees_usd, byte_offset) filter (where kind = 'pnl') as pnl_fees_usd,
        arg_max(funding_usd, byte_offset) filter (where kind = 'pnl') as pnl_funding_usd,
        count(*) filter (where kind = 'pnl') as pnl_samples,
        count(*) filter (where kind = 'edge') as edges_resolved,
        avg(edge_bps) filter (where kind = 'edge') as mean_edge_bps,
        count(*) filter (where kind = 'edge' and edge_bps > 0) as edges_positive,
        count(*) filter (where kind = 'adverse') as adverse_fills
    from pnl_edge
    group by all
),

final as (
    select
        s.session_id,
        s.source_id,
        s.source_path,
        s.session_no,
        i.asset as log_asset,
        i.network as log_network,
        i.strategy,
        if(coalesce(i.is_paper, false), 'paper', 'live') as mode,
        coalesce(i.paper_prior_injected, false) as paper_prior_injected,
        er.bot_era,
        er.era_templates,
        er.known_templates,
        s.started_at,
        s.ended_at,
        s.first_ts,
        s.last_ts,
        round(epoch(s.last_ts) - epoch(s.first_ts), 6) as duration_s,
        case
            when coalesce(k.trigger_events, 0) + coalesce(k.verdict_triggered, 0) > 0 then 'kill_switch'
            when sh.stopped then 'graceful'
            when sh.planned_end then 'planned'
            else 'abrupt'
        end as "end",
        l.total as lines_total, l.events as lines_events, l.other as lines_other,
        l.trace as level_trace, l.debug as level_debug, l.info as level_info, l.warn as level_warn,
        l.error as level_error, l.other_by_reason,
        l.duplicates as duplicate_lines, l.time_outliers as time_outlier_lines,
        coalesce(f.fills_total, 0) as fills_total,
        coalesce(f.fills_tracked, 0) as fills_tracked,
        coalesce(f.fills_untracked, 0) as fills_untracked,
        coalesce(i.sim_fills, 0) as fills_simulated,
        coalesce(fr.fills_duplicate_tid, 0) as fills_duplicate_tid,
        coalesce(f.fills_buys, 0) as fills_buys,
        coalesce(f.fills_sells, 0) as fills_sells,
        f.fills_untracked / nullif(f.fills_total, 0) as untracked_ratio,
        f.tracked_pnl_usd,
        coalesce(sh.final_position, f.last_fill_position) as final_position,
        case when sh.position_closed and sh.final_position = 0 then 'Position closed on shutdown'
             when sh.final_position is not null then 'Final position state'
             when f.last_fill_position is not null then 'last fill line' end as final_position_source,
        sh.position_at_shutdown,
        sh.close_attempted, sh.position_closed, sh.position_close_failed, sh.close_failure_line,
        sh.final_mid_price,
        a.initial_value, a.final_value, a.equity_samples, a.initial_margin_available, a.final_margin_available,
        a.final_margin_kind,
        coalesce(p.crossed_mid_events, 0) as crossed_mid_events,
        coalesce(p.bbo_crossing_filtered_events, 0) as bbo_crossing_filtered_events,
        coalesce(p.bbo_crossing_skipped_events, 0) as bbo_crossing_skipped_events,
        coalesce(p.drift_capped_events, 0) as drift_capped_events,
        coalesce(p.ema_reset_events, 0) as ema_reset_events,
        p.max_microprice_mid_bps, p.crossed_min_microprice, p.crossed_max_microprice,
        p.crossed_min_mid, p.crossed_max_mid,
        coalesce(d.price_drift_events, 0) as price_drift_events, d.min_price_drift_bps, d.max_price_drift_bps,
        coalesce(d.drift_reconcile_events, 0) as drift_reconcile_events,
        coalesce(d.drift_unified_events, 0) as drift_unified_events,
        sp.spread_source,
        sp.mean_spread_bps, sp.median_spread_bps, sp.p95_spread_bps,
        coalesce(r.low_headroom_events, 0) as low_headroom_events, r.min_headroom_pct, r.max_headroom_pct,
        r.first_headroom_pct, r.last_headroom_pct, r.min_used, r.max_used, r.cap,
        coalesce(r.http_429_events, 0) as http_429_events,
        coalesce(r.exhausted_events, 0) as rate_exhausted_events,
        round(epoch(r.last_throttle_ts) - epoch(r.first_throttle_ts), 3) as throttle_span_s,
        ld.configured_levels, ld.min_effective_bid, ld.min_effective_ask, ld.mode_effective_bid,
        ld.mode_effective_ask, coalesce(ld.reduction_events, 0) as reduction_events,
        coalesce(ld.empty_ladder_events, 0) as empty_ladder_events,
        coalesce(ld.entropy_events, 0) as entropy_events,
        coalesce(ld.entropy_active_events, 0) as entropy_active_events,
        ld.capital_tier,
        coalesce(cy.quote_cycles, 0) as quote_cycles,
        coalesce(k.trigger_events, 0) + coalesce(k.verdict_triggered, 0) > 0 as kill_switch_triggered,
        coalesce(k.reasons, []::varchar[]) as kill_switch_reasons,
        coalesce(k.verdict_not_triggered, 0) > 0 as kill_switch_not_triggered_logged,
        coalesce(k.condition_events, 0) as kill_switch_conditions,
        coalesce(k.status_events, 0) as kill_switch_status_events,
        k.max_drawdown_pct, k.last_daily_pnl_usd, k.max_data_age_s, k.max_cascade_severity,
        k.postmortem_path, coalesce(k.stuck_inventory_events, 0) as stuck_inventory_events,
        coalesce(sy.checks, 0) as safety_checks, coalesce(sy.mismatches, 0) as safety_mismatches,
        sy.max_mismatch_delta, coalesce(sy.stale_orders, 0) as stale_orders,
        w.first_quote_volume_ticks, w.required_volume_ticks, w.first_quote_ts, w.first_quote_line,
        w.first_quote_message, coalesce(w.warmup_waits, 0) as warmup_waits,
        coalesce(w.calibration_met, false) as calibration_met,
        coalesce(w.calibration_timeout, false) as calibration_timeout,
        coalesce(w.incomplete_after_first_quote, 0) as warmup_incomplete_after_first_quote,
        sh.stopped, sh.graceful_complete, sh.timed_out, sh.shutdown_error, sh.order_count_mismatch,
        sh.signal_line, sh.planned_end,
        cs.cycle_summaries, cs.cycles_both_sides,
        cs.cycles_both_sides / nullif(cs.cycle_summaries, 0) as quoting_uptime,
        coalesce(cs.regime_transitions, 0) as regime_transitions,
        pl.pnl_realized_usd, pl.pnl_unrealized_usd, pl.pnl_total_usd, pl.pnl_spread_capture_usd,
        pl.pnl_adverse_selection_usd, pl.pnl_fees_usd, pl.pnl_funding_usd, coalesce(pl.pnl_samples, 0) as pnl_samples,
        coalesce(pl.edges_resolved, 0) as edges_resolved, pl.mean_edge_bps,
        pl.edges_positive / nullif(pl.edges_resolved, 0) as edge_win_rate,
        coalesce(pl.adverse_fills, 0) as adverse_fills,
        pl.adverse_fills / nullif(f.fills_tracked, 0) as toxic_fill_share
    from sessions as s
    left join identity as i using (session_id)
    left join session_lines as l using (session_id)
    left join fill_stats as f using (session_id)
    left join fill_repeats as fr using (session_id)
    left join account as a using (session_id)
    left join pricing as p using (session_id)
    left join drift as d using (session_id)
    left join spread as sp using (session_id)
    left join rate as r using (session_id)
    left join ladder_stats as ld using (session_id)
    left join kill as k using (session_id)
    left join sync as sy using (session_id)
    left join warm as w using (session_id)
    left join cycles as cy using (session_id)
    left join shutdown as sh using (session_id)
    left join session_era as er using (session_id)
    left join cycle_summaries as cs using (session_id)
    left join pnl as pl using (session_id)
)

select * from final
