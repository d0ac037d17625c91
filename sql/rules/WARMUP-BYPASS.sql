-- WARMUP-BYPASS: WARN `Warmup incomplete - no orders placed…` after the first quote = a true bypass
-- (LF §3.18). The last progress line before the first quote is reported: 9/10 is the throttled
-- progress line, not a bypass. Evaluated when the session quoted.
with sessions as (
    select s.session_id, s.first_quote_ts, s.first_quote_volume_ticks, s.required_volume_ticks,
           s.warmup_incomplete_after_first_quote
    from session_summary as s
    join scope_sessions using (session_id)
),

late as (
    select session_id, list(rule_ev(line_no, ts, message) order by byte_offset)[1:10] as evidence
    from warmup
    join scope_sessions using (session_id)
    where kind = 'incomplete' and not coalesce(before_first_quote, true)
    group by all
),

final as (
    select
        s.session_id,
        s.first_quote_ts is not null as evaluated,
        s.warmup_incomplete_after_first_quote as observed,
        if(s.first_quote_ts is null, 'no first quote in the log',
           format('first quote at {} after {}/{} volume ticks (last progress line); {} warm-up-incomplete lines after it',
                  rule_ts(s.first_quote_ts), coalesce(s.first_quote_volume_ticks::varchar, '?'),
                  coalesce(s.required_volume_ticks::varchar, '?'), s.warmup_incomplete_after_first_quote)) as summary,
        coalesce(l.evidence, []) as evidence
    from sessions as s
    left join late as l using (session_id)
)

select * from final
