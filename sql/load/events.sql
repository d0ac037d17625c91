-- Append one batch of parsed events (an Arrow table registered as event_batch) to the raw store.
-- Total over any content: mmwatch.ingest sends only timestamps that name a real time and JSON it
-- (or DuckDB) produced, but a cast or parse here never raises; what it cannot read is null.
insert into events
select
    ? as source_id,
    byte_offset,
    line_no,
    try_cast("timestamp" as timestamptz) as ts,
    "timestamp" as ts_raw,
    level,
    target,
    json_extract_string(try_cast(fields as json), '$.message') as message,
    try_cast(fields as json) as fields,
    try_cast(span as json) as span,
    try_cast(spans as json) as spans,
    format
from event_batch
