-- Kill switch configuration, near misses, triggers and the shutdown verdict (log_format.md §3.13).
with ks as (
    select session_id, byte_offset, line_no, ts, level, message,
        case
            when message = 'Kill switch enabled' then 'enabled'
            when message like 'Kill switch condition detected: %' then 'condition'
            when message like 'KILL SWITCH TRIGGERED: %' then 'triggered'
            when message = 'Kill switch was triggered during session' then 'verdict_triggered'
            when message = 'Kill switch was NOT triggered' then 'verdict_not_triggered'
            when message = 'Kill switch status' then 'status'
            else 'risk_aggregator_kill'
        end as kind,
        case
            when message like 'KILL SWITCH TRIGGERED: %' then substr(message, length('KILL SWITCH TRIGGERED: ') + 1)
            when message = 'Kill switch was triggered during session' then fld(fields, 'reasons')
            when message like 'Kill switch condition detected: %'
                then to_json([substr(message, length('Kill switch condition detected: ') + 1)])::varchar
        end as reasons_text,
        fnum(fields, 'daily_pnl') as daily_pnl_usd,
        coalesce(fnum(fields, 'drawdown'), fnum(fields, 'max_drawdown')) as drawdown_pct,
        fnum(fields, 'data_age') as data_age_s,
        fnum(fields, 'cascade_severity') as cascade_severity,
        fnum(fields, 'position_value') as position_value_usd
    from stg_events
    where message in ('Kill switch enabled', 'Kill switch was triggered during session',
                      'Kill switch was NOT triggered', 'Kill switch status',
                      'RiskAggregator kill condition triggered')
       or message like 'Kill switch condition detected: %'
       or message like 'KILL SWITCH TRIGGERED: %'
),

final as (
    select
        * exclude (reasons_text),
        coalesce(try_cast(json(reasons_text) as varchar[]), if(reasons_text is null, null, [reasons_text])) as reasons
    from ks
)

select * from final
