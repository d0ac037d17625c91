-- Warm-up progress and the first quote (log_format.md §3.18, log_format_2026-03.md §1 #54-56).
-- The first quote is the first line of a cycle that placed orders (kind orders_placed), else the
-- first quote-cycle line that only a quoting cycle writes (`Quote positions vs market`, `Quote cycle
-- complete`) or `cycle_summary` with resting orders (a paper run of the March code logs no
-- placement at INFO), else (December code at DEBUG) the first `Calculated ladder quotes` /
-- `Calculated quotes`. The first line of the quote_cycle span is NOT the first quote: the warm-up lines
-- (`Warmup incomplete …`, `Observation phase …`) are logged inside that span before any order.
with progress as (
    select session_id, byte_offset, line_no, ts, 'progress' as kind,
        try_cast(regexp_extract(message, '^Warming up: (\d+)/(\d+) volume ticks', 1) as integer) as volume_ticks,
        try_cast(regexp_extract(message, '^Warming up: (\d+)/(\d+) volume ticks', 2) as integer) as volume_ticks_required,
        message
    from stg_events
    where kind = 'warmup_progress'
    union all
    select session_id, byte_offset, line_no, ts, 'incomplete',
        try_cast(fld(fields, 'volume_ticks') as integer),
        try_cast(fld(fields, 'volume_ticks_required') as integer),
        message
    from stg_events
    where kind in ('warmup_incomplete', 'observation_phase')
    union all
    select session_id, byte_offset, line_no, ts,
        case kind when 'calibration_gate' then 'gate'
                  when 'startup_quoting_met' then 'calibration_met'
                  else 'calibration_timeout' end,
        null, null, message
    from stg_events
    where kind in ('calibration_gate', 'startup_quoting_met', 'startup_quoting_timeout')
),

first_quote as (
    select
        session_id,
        coalesce(
            min(byte_offset) filter (where kind = 'orders_placed'),
            -- a paper run writes no placement line at INFO: its first cycle with resting orders
            min(byte_offset) filter (where kind in ('quote_positions', 'quote_cycle_complete')
                                        or (kind = 'cycle_summary'
                                            and coalesce(try_cast(fld(fields, 'bids') as integer), 0)
                                                + coalesce(try_cast(fld(fields, 'asks') as integer), 0) > 0)),
            min(byte_offset) filter (where kind in ('ladder_quotes', 'quotes_calculated'))
        ) as first_quote_offset
    from stg_events
    where kind in ('orders_placed', 'quote_positions', 'quote_cycle_complete', 'cycle_summary', 'ladder_quotes',
                   'quotes_calculated')
    group by all
),

final as (
    select p.*, q.first_quote_offset, p.byte_offset < q.first_quote_offset as before_first_quote
    from progress as p
    left join first_quote as q using (session_id)
    union all
    -- one marker row per session for the first quote itself
    select q.session_id, q.first_quote_offset, e.line_no, e.ts, 'first_quote', null, null, e.message,
           q.first_quote_offset, false
    from first_quote as q
    join stg_events as e on e.session_id = q.session_id and e.byte_offset = q.first_quote_offset
)

select * from final
