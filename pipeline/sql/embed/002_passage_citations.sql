-- 002: each passage cites its own record (issue 17: citations that resolve).
-- Filled by pipeline/embed.py cite_records() from the clean stage's document_records:
-- the record whose span holds the passage (the first such record, when records share
-- a span because their texts are identical). Passages never cross record starts.
ALTER TABLE passages ADD COLUMN record_idx INTEGER;        -- document_records.record_idx; NULL: no record holds it
ALTER TABLE passages ADD COLUMN url VARCHAR;               -- that record's URL, or NULL
ALTER TABLE passages ADD COLUMN published_at TIMESTAMPTZ;  -- that record's date (UTC), or NULL
ALTER TABLE passages ADD COLUMN citable BOOLEAN NOT NULL DEFAULT false; -- a record holds it, with a URL and a date
