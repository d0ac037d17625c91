-- Warm-up progress and the first quote (log_format.md §3.18).
-- The first quote is the first line of a quote cycle (span quote_cycle, Jan+), else the first
-- quote-engine line of the December code.
with progress as (
    select session_id, byte_offset, line_no, ts, 'progress' as kind,
        try_cast(regexp_extract(message, '^Warming up: (\d+)/(\d+) volume ticks', 1) as integer) as volume_ticks,
        try_cast(regexp_extract(message, '^Warming up: (\d+)/(\d+) volume ticks', 2) as integer) as volume_ticks_required,
        message
    from stg_events
    where message like 'Warming up: % volume ticks%'
    union all
    select session_id, byte_offset, line_no, ts, 'incomplete',
        try_cast(fld(fields, 'volume_ticks') as integer),
        try_cast(fld(fields, 'volume_ticks_required') as integer),
        message
    from stg_events
    where message = 'Warmup incomplete - no orders placed (waiting for market data)'
),

first_quote as (
    select session_id, min(byte_offset) as first_quote_offset
    from stg_events
    where json_extract_string(span, '$.name') = 'quote_cycle'
       or list_contains(json_extract_string(spans, '$[*].name'), 'quote_cycle')
       -- December code: DEBUG `Calculated ladder quotes`, earlier `Calculated quotes`
       or message in ('Quote positions vs market', 'Calculated ladder quotes', 'Calculated quotes',
                      'Quote cycle complete')
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
