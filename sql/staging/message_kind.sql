-- message_template(message): the catalogue template (pattern_key) a message matches, null for none.
-- The one definition of matching, used by staging (each distinct message of an audit once) and by
-- the live conditions (the lines of one pull). The most specific template wins: exact text before a
-- prefix before a regex, a longer literal opening before a shorter one. `head` (stg_catalogue) is
-- the literal text a match must start with, so one starts_with rules most templates out.
create or replace temp macro message_template(msg) as (
    select arg_max(t.pattern_key, [case t.match when 'exact' then 3 when 'prefix' then 2 else 1 end, length(t.head)])
    from (select distinct match, pattern, pattern_key, head from stg_catalogue) as t
    where starts_with(msg, t.head)
      and ((t.match = 'exact' and msg = t.pattern)
           or t.match = 'prefix'
           or (t.match = 'regex' and regexp_matches(msg, t.pattern)))
);

-- message_kind(message): the event kind of that template.
create or replace temp macro message_kind(msg) as (
    select any_value(c.kind) from stg_catalogue as c where c.pattern_key = message_template(msg)
);
