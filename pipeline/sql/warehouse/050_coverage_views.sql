-- Coverage of the collection (issue 17, "comparable trends"): which source
-- was collected in which month, so that a monthly trend can be computed over
-- a constant set of sources (pipeline/report/coverage.py).
--
-- Month = first day of the UTC month of documents.published_at.
-- "Collected" (a source in a month): the source has at least one document
-- (any document the clean stage kept: relevant or not, duplicate or not)
-- dated in that month, or a document dated by the source's comment window
-- (precision 'window', table source_windows) and the month lies in that window. A window-dated document's published_at
-- is the window's first day, so it counts in n_docs / n_corpus of that first
-- month only; n_window counts it in every month of the window.

-- Grain: one row per (source, month) from the source's first to its last
-- month with a document or window (months in between with nothing are rows
-- with collected = false).
-- Columns: source, source_type (of its documents; the smallest if several),
-- period (DATE), n_docs (documents dated in the month, all of table
-- documents), n_corpus (of them in view corpus), n_window (window-dated
-- documents whose window covers the month), collected (BOOLEAN).
-- For: the constant panel of every monthly trend of the report, and analysts
-- checking what a month's share is made of.
CREATE OR REPLACE VIEW coverage AS
WITH dated AS (
    SELECT source, CAST(date_trunc('month', published_at AT TIME ZONE 'UTC') AS DATE) AS period,
           count(*) AS n_docs,
           count(*) FILTER (WHERE is_relevant AND duplicate_of IS NULL) AS n_corpus
    FROM documents WHERE published_at IS NOT NULL GROUP BY ALL),
windowed AS (
    SELECT w.source, CAST(m AS DATE) AS period, count(DISTINCT d.doc_id) AS n_window
    FROM source_windows w JOIN documents d ON d.source = w.source AND d.date_precision = 'window',
         unnest(generate_series(date_trunc('month', w.window_start), date_trunc('month', w.window_end),
                                INTERVAL 1 MONTH)) AS t(m)
    GROUP BY ALL),
cells AS (
    SELECT source, period, coalesce(d.n_docs, 0) AS n_docs, coalesce(d.n_corpus, 0) AS n_corpus,
           coalesce(w.n_window, 0) AS n_window
    FROM dated d FULL JOIN windowed w USING (source, period)),
spans AS (
    SELECT source, min(period) AS first, max(period) AS last FROM cells
    WHERE n_docs > 0 OR n_window > 0 GROUP BY 1),
months AS (
    SELECT s.source, CAST(m AS DATE) AS period
    FROM spans s, unnest(generate_series(s.first, s.last, INTERVAL 1 MONTH)) AS t(m)),
types AS (SELECT source, min(source_type) AS source_type FROM documents GROUP BY 1)
SELECT m.source, t.source_type, m.period, coalesce(c.n_docs, 0) AS n_docs, coalesce(c.n_corpus, 0) AS n_corpus,
       coalesce(c.n_window, 0) AS n_window, coalesce(c.n_docs, 0) > 0 OR coalesce(c.n_window, 0) > 0 AS collected
FROM months m JOIN types t USING (source) LEFT JOIN cells c USING (source, period);

-- Grain: one row per (month, source, stance label), unlabelled dated documents of the corpus.
-- Columns: period (DATE, first of the UTC month), source, source_type, label, n_docs.
-- For: figure stance_share and the table of section 3, summed over the trend's panel of sources.
CREATE OR REPLACE VIEW report_stance_month_source_counts AS
SELECT CAST(date_trunc('month', d.published_at AT TIME ZONE 'UTC') AS DATE) AS period, d.source, d.source_type,
       s.label, count(*) AS n_docs
FROM report_unlabelled_stances s JOIN corpus d USING (doc_id)
WHERE d.published_at IS NOT NULL
GROUP BY ALL;

-- Grain: one row per (month, source, topic), dated discovery passages (no taxonomy narrative; outliers as topic_key 'outlier').
-- Columns: period (DATE), source, source_type, topic_key, n_passages.
-- For: figure narrative_heatmap (discovery topics), summed over the trend's panel of sources.
CREATE OR REPLACE VIEW report_topic_month_source_counts AS
SELECT period, source, source_type, topic_key, count(*) AS n_passages
FROM topic_passages WHERE period IS NOT NULL GROUP BY ALL;
