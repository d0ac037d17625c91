-- Helpers for the bot's numbers, which often arrive as strings with units: "235.14", "1.8%", "$-0.12", "0.9s".
create or replace macro num(x) as
    try_cast(nullif(regexp_replace(cast(x as varchar), '[^0-9eE+.\-]', '', 'g'), '') as double);
-- A field of an event's JSON as text (works for strings and numbers alike).
create or replace macro fld(f, k) as json_extract_string(f, '$.' || k);
create or replace macro fnum(f, k) as num(json_extract_string(f, '$.' || k));
