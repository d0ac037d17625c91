-- Append one batch of lines that are not events (an Arrow table registered as other_batch).
-- No cast or parse over the line's content: raw is the bytes as read (the first 64 KiB of a
-- too_long line), preview text made by mmwatch.ingest with invalid bytes replaced.
insert into other_lines
select ? as source_id, byte_offset, line_no, reason, byte_len, preview, raw
from other_batch
