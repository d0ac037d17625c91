-- ACCT-CHANGE: change of the account over the session in % of the start equity (LF §3.4).
-- End figure: the last equity sample when the log has more than one, else the last free margin
-- (what the reference audit compared: $235.14 -> $209.10 = ~$26). Evaluated when both ends exist.
with sessions as (
    select s.session_id, s.initial_value, s.final_value, s.equity_samples, s.final_margin_available
    from session_summary as s
    join scope_sessions using (session_id)
),

ends as (
    select *,
        if(equity_samples > 1, final_value, final_margin_available) as end_value,
        if(equity_samples > 1, 'equity', 'free margin') as end_kind
    from sessions
),

final as (
    select
        session_id,
        initial_value > 0 and end_value is not null as evaluated,
        round((end_value - initial_value) / initial_value * 100, 4) as observed,
        if(initial_value > 0 and end_value is not null,
           format('${:.2f} -> ${:.2f} ({}): {:+.2f} USD ({:+.2f}%)', initial_value, end_value, end_kind,
                  end_value - initial_value, (end_value - initial_value) / initial_value * 100),
           'start or end account figure missing') as summary,
        []::struct(line_no bigint, ts varchar, text varchar)[] as evidence
    from ends
)

select * from final
