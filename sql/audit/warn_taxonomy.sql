-- WARN and ERROR lines grouped by message template: numbers, hex ids and quoted values become
-- placeholders, so `oid=123` and `oid=456` fall in one group; newlines and control characters
-- become one space (a template is one line wherever it is shown). `unknown`: the message catalogue
-- has no template for it (kind is null).
-- Secrets are masked first, with the table of secret shapes that masks every outbound text
-- (sql/seeds/secret_shapes.csv, also read by mmwatch/masking.py): replacing digits first would
-- leave a bare key's letters readable in the template, and make each key a template of its own.
-- The seed sits beside the message catalogue, whose path the audit sets (`mmwatch_catalogue`);
-- `mmwatch_secret_shapes`, when set, names another file.
with shape_rows as (
    select *
    from read_csv(coalesce(getvariable('mmwatch_secret_shapes'),
                           regexp_replace(getvariable('mmwatch_catalogue'), '[^/\\]+$', 'secret_shapes.csv')),
                  header = true, all_varchar = true, quote = '"', escape = '"', auto_detect = false,
                  columns = {
                      'step': 'varchar', 'kind': 'varchar', 'name': 'varchar', 'pattern': 'varchar',
                      'replacement': 'varchar', 'hint': 'varchar', 'note': 'varchar'
                  })
),

parts as (
    select list({'token': '{' || name || '}', 'pattern': pattern}) as parts
    from shape_rows
    where kind = 'part'
),

shapes as (
    -- each mask row with its parts spelled in, in step order
    select list({
        'pattern': list_reduce(p.parts, lambda acc, part: replace(acc, part.token, part.pattern), r.pattern),
        'replacement': coalesce(r.replacement, ''),
        'hint': coalesce(r.hint, '')
    } order by cast(r.step as integer)) as shapes
    from shape_rows as r, parts as p
    where r.kind = 'mask'
),

masked as (
    select session_id, level, line_no, message, kind,
        list_reduce(
            s.shapes,
            lambda acc, shape: if(shape.hint = '' or regexp_matches(lower(acc), shape.hint),
                                  regexp_replace(acc, shape.pattern, shape.replacement, 'g'), acc),
            coalesce(message, '')) as masked_message
    from stg_events, shapes as s
    where level in ('WARN', 'ERROR')
),

problems as (
    select session_id, level, line_no, masked_message as message, kind,
        regexp_replace(
            regexp_replace(
                regexp_replace(
                    regexp_replace(regexp_replace(masked_message, '[\x00-\x1f\x7f]+', ' ', 'g'),
                                   '0x[0-9a-fA-F]+', '{hex}', 'g'),
                    '^\[Fill\] (.*)\b(bought|sold)\b', '[Fill] \1{side}'),
                '"[^"]*"', '"{}"', 'g'),
            '-?\$?[0-9]+(\.[0-9]+)?(e-?[0-9]+)?', '{n}', 'g') as template
    from masked
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
