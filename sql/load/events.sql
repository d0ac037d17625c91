-- Append one batch of parsed events (an Arrow table registered as event_batch) to the raw store.
insert into events
select
    ? as source_id,
    byte_offset,
    line_no,
    cast("timestamp" as timestamptz) as ts,
    "timestamp" as ts_raw,
    level,
    target,
    json_extract_string(fields, '$.message') as message,
    fields,
    span,
    spans,
    format
from event_batch
