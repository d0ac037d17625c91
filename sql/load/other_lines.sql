-- Append one batch of lines that are not events (an Arrow table registered as other_batch).
insert into other_lines
select ? as source_id, byte_offset, line_no, reason, byte_len, preview, raw
from other_batch
