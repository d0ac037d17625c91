-- The message catalogue (sql/seeds/messages.csv), one row per template and code era, made ready for
-- matching: `head` is the literal text every matching message starts with (the pattern itself for
-- exact and prefix rows, the regex's literal opening for regex rows), `pattern_key` names one
-- template across its era rows. The seed's path is the session variable `mmwatch_catalogue`.
with seed as (
    select *
    from read_csv(getvariable('mmwatch_catalogue'), header = true, all_varchar = true, quote = '"',
                  escape = '"', auto_detect = false,
                  columns = {
                      'kind': 'varchar', 'family': 'varchar', 'match': 'varchar', 'pattern': 'varchar',
                      'level': 'varchar', 'target': 'varchar', 'span': 'varchar', 'fields': 'varchar',
                      'eras': 'varchar', 'since': 'varchar', 'until': 'varchar', 'source': 'varchar',
                      'note': 'varchar'
                  })
),

literal_heads as (
    select
        *,
        case match
            when 'regex' then regexp_replace(
                regexp_extract(pattern, '^\^((?:[^\\.\[\](){}*+?|^$]|\\[^A-Za-z0-9])*)', 1),
                '\\(.)', '\1', 'g')
            else pattern
        end as head
    from seed
),

final as (
    select
        kind,
        family,
        match,
        pattern,
        match || ':' || pattern as pattern_key,
        -- a regex's literal opening ends before an optional or repeated last character (`s?`)
        case when match = 'regex' and regexp_matches(pattern, '^\^(?:[^\\.\[\](){}*+?|^$]|\\[^A-Za-z0-9])*[*+?{]')
             then left(head, length(head) - 1) else head end as head,
        upper(level) as level,
        target,
        nullif(span, '') as span,
        string_split(coalesce(fields, ''), '|') as fields,
        string_split(coalesce(eras, ''), '|') as eras,
        nullif(since, '') as since,
        nullif(until, '') as until,
        source,
        note
    from literal_heads
)

select * from final
