-- How many lines of each event kind every session holds: the evidence inventory that decides
-- whether a rule can be evaluated (sql/rules/_evidence.sql) and what report.json lists per kind.
with counted as (
    select session_id, kind, any_value(family) as family, count(*) as n, min(line_no) as first_line
    from stg_events
    where kind is not null
    group by all
),

final as (
    select * from counted
)

select * from final
