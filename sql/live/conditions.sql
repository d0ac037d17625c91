-- Live conditions in the lines of one source loaded since the last check (the supervisor runs this
-- on a connection with the message catalogue loaded: mmwatch.catalogue.load_catalogue; lines are
-- judged by kind
-- after every pull, so its cost follows the new lines, not the file). One row per condition found,
-- with its first line as evidence. Parameters: $source_id, $since (byte offset of the first new
-- line), $burst_count and $burst_window_s (an ERROR burst = that many ERROR lines within that many
-- seconds), $headroom_pct (rate-limit headroom under this is an alert).
with fresh as (
    select *
    from (
        select byte_offset, line_no, ts, ts_raw, level, message, fields, message_kind(message) as kind
        from events
        where source_id = $source_id
          and byte_offset >= $since
    )
    where level in ('WARN', 'ERROR')
       or kind in ('rate_cache_refreshed', 'rate_status', 'rate_low_10pct', 'quota_shadow_spread')
),

kill_switch as (
    select 'KILL-SWITCH' as rule_id, 'critical' as severity, 'Kill switch triggered' as title,
           * exclude (kind)
    from fresh
    where kind = 'kill_triggered'
),

untracked_fills as (
    select 'FILL-UNTRACKED', 'high', 'Untracked order filled', * exclude (kind)
    from fresh
    where kind = 'fill_untracked'
),

crossed_mid as (
    select 'PRICE-CROSSED-MID', 'critical', 'Quote crossed the market mid', * exclude (kind)
    from fresh
    where kind in ('crossed_mid_bid', 'crossed_mid_ask', 'bbo_crossing_filtered', 'bbo_crossing_skip')
),

headroom as (
    select 'RATE-HEADROOM', 'critical', 'Exchange rate-limit headroom under ' || $headroom_pct || ' %',
           * exclude (kind)
    from fresh
    where kind in ('rate_low_5pct', 'rate_exhausted_reconcile', 'rate_exhausted')
       or coalesce(fnum(fields, 'headroom_pct'),
                   (fnum(fields, 'cap') - fnum(fields, 'used')) * 100.0 / nullif(fnum(fields, 'cap'), 0))
          < $headroom_pct
),

-- ERROR lines of the new part, plus the window before it, so that a burst across two pulls counts
recent_errors as (
    select byte_offset, line_no, ts, ts_raw, level, message, fields
    from events
    where source_id = $source_id
      and level = 'ERROR'
      and ts >= (select min(ts) from fresh) - to_seconds($burst_window_s)
),

error_windows as (
    select
        *,
        count(*) over (order by ts range between to_seconds($burst_window_s) preceding and current row)
            as errors_in_window
    from recent_errors
),

error_burst as (
    select 'LOG-ERROR-BURST', 'high', 'Burst of ERROR lines', byte_offset, line_no, ts, ts_raw, level, message,
           fields
    from error_windows
    where byte_offset >= $since and errors_in_window >= $burst_count
),

hits as (
    select * from kill_switch
    union all select * from untracked_fills
    union all select * from crossed_mid
    union all select * from headroom
    union all select * from error_burst
),

final as (
    select
        rule_id,
        any_value(severity) as severity,
        any_value(title) as title,
        count(*) as hits,
        arg_min(line_no, byte_offset) as line_no,
        arg_min(ts_raw, byte_offset) as ts,
        arg_min(message, byte_offset) as text,
        list({'line_no': line_no, 'ts': ts_raw, 'text': message} order by byte_offset)[1:10] as evidence
    from hits
    group by rule_id
    order by min(byte_offset)
)

select * from final
