-- LOG-WARNINGS: WARN lines by parsed level (LF §3.7); evidence = the most frequent WARN templates.
-- The query is shared with LOG-ERRORS: macro level_count_rule in _macros.sql.
with final as (
    select * from level_count_rule('WARN')
)

select * from final
