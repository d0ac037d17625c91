-- Kill switch configuration, near misses, triggers and the shutdown verdict (log_format.md §3.13),
-- plus the March code's post-mortem dump (evidence of a trigger) and stuck-inventory kills.
with ks as (
    select session_id, byte_offset, line_no, ts, level, message,
        case kind
            when 'kill_enabled' then 'enabled'
            when 'kill_condition' then 'condition'
            when 'kill_triggered' then 'triggered'
            when 'kill_verdict_triggered' then 'verdict_triggered'
            when 'kill_verdict_clean' then 'verdict_not_triggered'
            when 'kill_status' then 'status'
            when 'kill_postmortem' then 'postmortem'
            when 'kill_stuck_inventory' then 'stuck_inventory'
            else 'risk_aggregator_kill'
        end as kind,
        case kind
            when 'kill_triggered' then substr(message, length('KILL SWITCH TRIGGERED: ') + 1)
            when 'kill_verdict_triggered' then fld(fields, 'reasons')
            when 'kill_condition'
                then to_json([substr(message, length('Kill switch condition detected: ') + 1)])::varchar
        end as reasons_text,
        if(kind = 'kill_postmortem', regexp_extract(message, '^Post-mortem dump written to "?([^"]*)"?', 1), null)
            as postmortem_path,
        fnum(fields, 'daily_pnl') as daily_pnl_usd,
        coalesce(fnum(fields, 'drawdown'), fnum(fields, 'max_drawdown')) as drawdown_pct,
        fnum(fields, 'data_age') as data_age_s,
        fnum(fields, 'cascade_severity') as cascade_severity,
        fnum(fields, 'position_value') as position_value_usd
    from stg_events
    where kind in ('kill_enabled', 'kill_condition', 'kill_triggered', 'kill_verdict_triggered',
                   'kill_verdict_clean', 'kill_status', 'kill_risk_aggregator', 'kill_postmortem',
                   'kill_stuck_inventory')
),

final as (
    select
        * exclude (reasons_text),
        coalesce(try_cast(try(json(reasons_text)) as varchar[]), if(reasons_text is null, null, [reasons_text])) as reasons
    from ks
)

select * from final
