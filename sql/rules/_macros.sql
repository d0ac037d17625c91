-- Helpers of the rule files (temp macros: created per connection by mmwatch.rules, never stored).
-- An evidence row is {line_no, ts, text}: the log line number, its UTC timestamp and what it says.
create or replace temp macro rule_ts(t) as strftime(t, '%Y-%m-%dT%H:%M:%S.%fZ');
create or replace temp macro rule_ev(line, t, txt) as {'line_no': line::bigint, 'ts': rule_ts(t), 'text': txt::varchar};
