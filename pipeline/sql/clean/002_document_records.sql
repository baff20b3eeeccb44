-- 002: each source record's span of its document (issue 17: citations that resolve).
-- A merged document (sources.yaml merge_duplicate_ids) joins its records' texts as
-- paragraphs; every document has one row per record here (one row, the whole text,
-- when it was not merged), so each passage can cite its own record's URL and date.
CREATE TABLE document_records (
    doc_id          VARCHAR NOT NULL,    -- documents.doc_id
    record_idx      INTEGER NOT NULL,    -- 0 = the first record, in source order
    char_start      INTEGER,             -- the record's text = documents.text[char_start + 1 : char_end];
    char_end        INTEGER,             --   a repeated text shares the first record's span; NULL: no text
    url             VARCHAR,             -- the record's own URL (pseudonymised as documents.url), or NULL
    published_at    TIMESTAMPTZ,         -- the record's own date, UTC (window start if it has none)
    date_precision  VARCHAR,             -- time, day, month or window
    line            INTEGER,             -- the record's line in documents.source_file (record formats)
    date_source     VARCHAR NOT NULL,    -- how published_at was found (documents.date_source values)
    PRIMARY KEY (doc_id, record_idx)
);
