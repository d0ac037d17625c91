-- LOG-ERRORS: ERROR lines by parsed level (LF §3.7); evidence = the most frequent ERROR templates.
-- The query is shared with LOG-WARNINGS: macro level_count_rule in _macros.sql.
with final as (
    select * from level_count_rule('ERROR')
)

select * from final
