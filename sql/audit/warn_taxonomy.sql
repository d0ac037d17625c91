-- WARN and ERROR lines grouped by message template: numbers, hex ids and quoted values become
-- placeholders, so `oid=123` and `oid=456` fall in one group. `unknown`: the message catalogue has
-- no template for it (kind is null).
with problems as (
    select session_id, level, line_no, message, kind,
        regexp_replace(
            regexp_replace(
                regexp_replace(
                    regexp_replace(coalesce(message, ''), '0x[0-9a-fA-F]+', '{hex}', 'g'),
                    '^\[Fill\] (.*)\b(bought|sold)\b', '[Fill] \1{side}'),
                '"[^"]*"', '"{}"', 'g'),
            '-?\$?[0-9]+(\.[0-9]+)?(e-?[0-9]+)?', '{n}', 'g') as template
    from stg_events
    where level in ('WARN', 'ERROR')
),

final as (
    select
        session_id,
        level,
        template,
        -- a template no catalogue row knows: a bot version (or a line) mmwatch has not seen yet
        bool_and(kind is null) as unknown,
        any_value(kind) as kind,
        count(*) as n,
        min(line_no) as first_line,
        max(line_no) as last_line,
        arg_min(message, line_no) as example
    from problems
    group by all
)

select * from final
