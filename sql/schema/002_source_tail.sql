-- A checksum of the last bytes loaded from each source (up to 64 bytes before committed_offset).
-- mmwatch.ingest checks it before continuing a source: a file truncated and rewritten at the same
-- path with the same first bytes, and grown past the old offset, no longer matches and becomes a
-- new source instead of being continued from a wrong offset.
alter table sources add column if not exists tail_sha varchar;
