-- 001: document warehouse (issue #2: foundation and ingest).

-- Raw inputs: local files registered and web pages fetched by `scrape`.
CREATE TABLE manifest (
    source        VARCHAR NOT NULL,   -- id from corpora/sources.yaml
    kind          VARCHAR NOT NULL,   -- 'local' or the web kind (url_list, feed, sitemap)
    url           VARCHAR,            -- requested URL (web kinds)
    final_url     VARCHAR,            -- URL after redirects
    status        INTEGER,            -- HTTP status; NULL for local files and failed fetches
    fetched_at    TIMESTAMPTZ NOT NULL, -- fetch time, or first registration of a local file
    content_type  VARCHAR,
    sha256        VARCHAR,            -- sha256 of the raw bytes
    path          VARCHAR,            -- path relative to corpora/
    bytes         BIGINT,
    error         VARCHAR             -- why a fetch gave no usable body
);

-- One row per document: clean, dated, deduplicated, tagged, scored.
CREATE TABLE documents (
    doc_id          VARCHAR PRIMARY KEY, -- first 16 hex of sha256(source || 0x1f || native_id)
    source          VARCHAR NOT NULL,    -- id from corpora/sources.yaml
    source_file     VARCHAR NOT NULL,    -- path relative to corpora/
    native_id       VARCHAR NOT NULL,    -- as defined in corpora/demo/README.md, kept exactly
    line            INTEGER,             -- line / record number in source_file (record formats)
    platform        VARCHAR NOT NULL,
    source_type     VARCHAR NOT NULL,    -- news, blog, newsletter, policy, social, forum, recap
    url             VARCHAR,
    title           VARCHAR,
    author          VARCHAR,             -- a handle (pseudonymised) in social sources, else a name
    outlet          VARCHAR,
    published_at    TIMESTAMPTZ,         -- UTC
    date_precision  VARCHAR,             -- time, day, month, year or window
    date_source     VARCHAR NOT NULL,    -- how published_at was found: pipeline/sources/dates.py DATE_SOURCES
    lang            VARCHAR,             -- ISO 639-1, detected (py3langid)
    text            VARCHAR NOT NULL,    -- clean main text; paragraphs separated by a blank line
    n_chars         INTEGER NOT NULL,
    content_sha256  VARCHAR NOT NULL,    -- sha256 of text
    duplicate_of    VARCHAR,             -- canonical doc_id (first seen), or NULL
    duplicate_kind  VARCHAR,             -- 'exact', 'near' (MinHash) or 'copy' (one author's copy-paste), or NULL
    relevance       DOUBLE NOT NULL,     -- 0..1, the relevance query of params.yaml
    relevance_terms VARCHAR[] NOT NULL,  -- the query phrases that matched
    is_relevant     BOOLEAN NOT NULL,    -- in the corpus: relevance >= threshold, or admitted by the classifier
    admitted_by     VARCHAR,             -- 'query', 'classifier' (pipeline/admission.py) or NULL (dropped, duplicate)
    admission_p     DOUBLE,              -- the admission classifier's p of on topic, for 0 < relevance < threshold
    n_records       INTEGER NOT NULL,    -- source records merged into this document (usually 1)
    n_copies        INTEGER NOT NULL DEFAULT 0, -- documents whose duplicate_of is this one
    raw_sha256      VARCHAR NOT NULL,    -- sha256 of the raw bytes (file or line)
    ingested_at     TIMESTAMPTZ NOT NULL, -- when the raw input entered the manifest
    UNIQUE (source_file, native_id)
);

-- Everything that did not become (part of) a document, with the reason.
CREATE TABLE rejects (
    source      VARCHAR NOT NULL,
    source_file VARCHAR NOT NULL,
    native_id   VARCHAR,
    line        INTEGER,
    reason      VARCHAR NOT NULL,        -- code: see pipeline/sources/base.py REJECT_REASONS
    detail      VARCHAR NOT NULL,        -- message naming the file and line
    raw_sha256  VARCHAR
);

-- What later stages read: relevant documents that are not duplicates.
CREATE VIEW corpus AS
SELECT * FROM documents WHERE is_relevant AND duplicate_of IS NULL;

-- Per-source account of what was kept and why the rest was dropped.
CREATE VIEW source_summary AS
SELECT
    d.source,
    count(*)                                                        AS n_documents,
    count(*) FILTER (WHERE duplicate_of IS NOT NULL)                AS n_duplicates,
    count(*) FILTER (WHERE duplicate_of IS NULL AND NOT is_relevant) AS n_irrelevant,
    count(*) FILTER (WHERE duplicate_of IS NULL AND is_relevant)    AS n_kept,
    coalesce(max(r.n_rejects), 0)                                   AS n_rejects,
    count(*) FILTER (WHERE published_at IS NULL)                    AS n_undated
FROM documents d
LEFT JOIN (SELECT source, count(*) AS n_rejects FROM rejects GROUP BY source) r USING (source)
GROUP BY d.source;
