-- Where rows an audit showed but did not commit begin (null: none). `mmwatch audit` shows a log's
-- unfinished last line (no newline yet) as a row at the committed offset without committing its
-- bytes; the next load of that source deletes every row from this offset on before it writes the
-- finished line, so a log audited while the bot writes it keeps no torn line for good.
alter table sources add column if not exists shown_from bigint;
