-- The events of the sessions in scope that carry audit evidence, with their session id.
-- DEBUG lines are ~90% of a debug-level log and almost none is evidence: only the few DEBUG
-- templates the audit reads are kept here, so every audit query scans a small table.
with scoped as (
    select e.*
    from events as e
    join scope_sources using (source_id)
),

evidence as (
    select *
    from scoped
    where level <> 'DEBUG'
       or message in (
           'Margin state refreshed',
           'Margin state updated from WebData2',
           'Quote inputs with microprice',
           'Refreshed exchange rate limit cache',
           'Rate limit status',
           'Rate limit headroom low (<10%) - throttling reconciliation',
           'Kill switch status',
           'Calculated ladder quotes',
           'Calculated quotes'
       )
       or message like '[SafetySync]%'
       or message like '[Fill]%'
),

final as (
    select b.session_id, e.*
    from evidence as e
    asof join session_bounds as b
        on e.source_id = b.source_id and e.byte_offset >= b.join_from
)

select * from final
