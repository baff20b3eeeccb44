-- Report views over the published warehouse: every number of stage `report`
-- (pipeline/report/) and of its topic exports (reports/topics.csv, topics.md)
-- is read from one of these views or from a table, with at most a WHERE,
-- an ORDER BY and a LIMIT at read time. Run-time parameters (a minimum
-- count, a threshold) are applied at read time, so no view depends on
-- params.yaml.
--
-- "Unlabelled" = documents without a stance training label (table
-- stance_labels): the model has seen a labelled document's label, so its
-- prediction is in-sample and the report's shares leave it out.
-- "Listed" actors = those of table actors (corpora/actors.yaml), not
-- 'other:<name>' speakers nor 'unknown'.
-- Dates: views that truncate published_at AT TIME ZONE 'UTC' give UTC
-- months; the others (report_month_counts, report_day_source_counts) keep
-- the reading session's time zone, as the report always has.

-- Grain: one row per document dated by its source's comment window (date_precision 'window': a public
-- comment of a docket whose record gives no posting date; its published_at is the window's first day).
-- Columns: doc_id, window_end (DATE, the window's last day, table source_windows).
-- For: citations (pipeline/report/cells.py _cite prints "comment window START to END", not a posting date)
-- and section 7, which ranks such a document by the window's last day (the latest it can have been posted).
CREATE OR REPLACE VIEW report_window_ends AS
SELECT d.doc_id, w.window_end FROM documents d JOIN source_windows w ON w.source = d.source
WHERE d.date_precision = 'window';

-- Grain: one row per document with a stance, not in stance_labels.
-- Columns: those of table stances.
-- For: the base of every unlabelled stance figure below.
CREATE OR REPLACE VIEW report_unlabelled_stances AS
SELECT * FROM stances WHERE doc_id NOT IN (SELECT doc_id FROM stance_labels);

-- Grain: (month, stance label), unlabelled dated documents of the corpus.
-- Columns: period (DATE, first of the UTC month), label, n_docs.
-- For: figure stance_share (months with too few documents are dropped at read time).
CREATE OR REPLACE VIEW report_stance_month_counts AS
SELECT CAST(date_trunc('month', d.published_at AT TIME ZONE 'UTC') AS DATE) AS period, s.label, count(*) AS n_docs
FROM report_unlabelled_stances s JOIN corpus d USING (doc_id)
WHERE d.published_at IS NOT NULL
GROUP BY ALL;

-- Grain: one row per stance label, over all unlabelled documents of table stances.
-- Columns: label, n (documents decided as it: the stance stage's pooling decision).
-- For: the stance counts of report section 3 (read by tests; the section reads report_stance_shares).
CREATE OR REPLACE VIEW report_stance_counts AS
SELECT label, count(*) AS n FROM report_unlabelled_stances GROUP BY 1;

-- Grain: one row per stance label (all unlabelled documents of table stances).
-- Columns: label, mean_p (the mean of its probability: probabilistic classify-and-count).
-- For: probabilistic classify-and-count; equal to stance_shares.share_pcc (grouping 'all'), which report
-- section 3 shows (read by tests).
CREATE OR REPLACE VIEW report_stance_mean_probability AS
SELECT p.label, avg(p.p) AS mean_p
FROM stance_probabilities p JOIN report_unlabelled_stances s USING (doc_id)
GROUP BY p.label;

-- Grain: one row per (grouping, group, label) of table stance_shares (unlabelled documents).
-- Columns: those of stance_shares: n_docs, share_cc, share_acc with its interval lo-hi, share_pacc,
-- share_pcc with its interval pcc_lo-pcc_hi.
-- For: report section 3, "ACC share" (grouping 'all').
CREATE OR REPLACE VIEW report_stance_shares AS
SELECT * FROM stance_shares;

-- Grain: one row per label.
-- Columns: label, acc_error and cc_error: mean absolute error of the ACC share and of the CC
-- share of the stored decisions over the outer folds of the grouped cross-validation (table
-- stance_quantification_error: the methods marked stored); pcc_error and pcc_worst: the mean and the
-- largest fold's error of the PCC share, the mean probability of the pooling model (method 'pcc'; NULL
-- where not evaluated); prior_error: that of guessing the training folds' label mix (method 'prior').
-- For: report section 3, "CV share error", and PCC's error band.
CREATE OR REPLACE VIEW report_stance_share_error AS
SELECT a.label, a.mean_abs_error AS acc_error, c.mean_abs_error AS cc_error, p.mean_abs_error AS pcc_error,
       p.max_abs_error AS pcc_worst, b.mean_abs_error AS prior_error
FROM stance_quantification_error a
JOIN stance_quantification_error c ON c.label = a.label AND c.stored AND c.method LIKE 'cc%'
LEFT JOIN stance_quantification_error p ON p.label = a.label AND p.method = 'pcc'
LEFT JOIN stance_quantification_error b ON b.label = a.label AND b.method = 'prior'
WHERE a.stored AND a.method LIKE 'acc%';

-- Grain: one row per unlabelled document decided a stance by a citable evidence passage.
-- Columns: label (the document's stance), doc_id, passage_id, text, url, published_at (the passage's
-- record), outlet (outlet, else platform), source_type, probability (the passage's probability of the label),
-- window_end (view report_window_ends; NULL for a dated document).
-- For: report section 3, evidence citations (read: WHERE label ORDER BY probability DESC, passage_id).
CREATE OR REPLACE VIEW report_stance_evidence AS
SELECT s.label, s.doc_id, p.passage_id, p.text, p.url, p.published_at, coalesce(d.outlet, d.platform) AS outlet,
       d.source_type, pp.p AS probability, we.window_end
FROM report_unlabelled_stances s JOIN passages p ON p.passage_id = s.evidence_passage_id
JOIN corpus d ON d.doc_id = s.doc_id LEFT JOIN report_window_ends we ON we.doc_id = s.doc_id
JOIN passage_stance_probabilities pp ON pp.passage_id = p.passage_id AND pp.label = s.label
WHERE p.citable;

-- Grain: one row.
-- Columns: model_version (the stance model of table stances; min if several).
-- For: the report's header and stance_quality().
CREATE OR REPLACE VIEW report_stance_model AS
SELECT min(model_version) AS model_version FROM stances;

-- Grain: one row per (topic, stance label); unlabelled documents with a
-- narrative passage in the topic (a document counts in every such topic).
-- Columns: topic_key, label, n_docs.
-- For: report section 6, "which topic carries which stance" (discovery topics).
CREATE OR REPLACE VIEW report_topic_stance_counts AS
SELECT dt.topic_key, s.label, count(*) AS n_docs
FROM doc_topics dt JOIN report_unlabelled_stances s USING (doc_id)
GROUP BY ALL;

-- Grain: one row per (topic, unlabelled citable document): single record with a URL and a date
-- (a merged recap's stance is over all its records, so it names no single post).
-- Columns: topic_key, label (the document's stance), doc_id, outlet (outlet, else
-- platform), published_at, url, source_type, probability (of its own label), window_end (view
-- report_window_ends; NULL for a dated document).
-- For: report section 6, example documents (read: WHERE topic_key, label
-- ORDER BY probability DESC, doc_id).
CREATE OR REPLACE VIEW report_topic_stance_examples AS
SELECT dt.topic_key, s.label, d.doc_id, coalesce(d.outlet, d.platform) AS outlet, d.published_at, d.url,
       d.source_type,
       p.p AS probability, we.window_end
FROM doc_topics dt JOIN report_unlabelled_stances s USING (doc_id) JOIN corpus d USING (doc_id)
LEFT JOIN report_window_ends we USING (doc_id)
JOIN stance_probabilities p ON p.doc_id = s.doc_id AND p.label = s.label
WHERE d.url IS NOT NULL AND d.published_at IS NOT NULL AND d.n_records = 1;

-- Grain: one row per month with discovery passages.
-- Columns: period (DATE, first of the UTC month), n (discovery passages, outliers included).
-- For: figure narrative_heatmap of discovery topics (months under report.min_docs_per_month are left out at read time).
CREATE OR REPLACE VIEW report_topic_month_totals AS
SELECT period, count(*) AS n FROM topic_passages WHERE period IS NOT NULL GROUP BY period;

-- Grain: one row per (month, source type), dated documents of the corpus.
-- Columns: period (DATE, first of the UTC month), source_type, n_docs.
-- For: figure source_mix.
CREATE OR REPLACE VIEW report_source_type_month_counts AS
SELECT CAST(date_trunc('month', published_at AT TIME ZONE 'UTC') AS DATE) AS period, source_type,
       count(*) AS n_docs
FROM corpus WHERE published_at IS NOT NULL GROUP BY ALL;

-- Grain: one row per (topic, month) of table topics_over_time.
-- Columns: topic_id (BERTopic's id in this run), words (the month's top 5
-- terms, comma-separated), n_passages, period (DATE).
-- For: the interactive page topics_over_time.html (BERTopic's column names are given at read time).
CREATE OR REPLACE VIEW report_topic_page_terms AS
SELECT t.topic_id, array_to_string(o.top_terms_period[1:5], ', ') AS words, o.n_passages, o.period
FROM topics_over_time o JOIN topics t USING (topic_key);

-- Grain: one row per (topic, rank) of table topic_representatives.
-- Columns: topic_key, rank (1 = closest to the centroid), passage_id, doc_id,
-- text (the passage), outlet (outlet, else platform), published_at, url (of the
-- passage's own record), source, source_type, in_corpus (the document is in view corpus), window_end
-- (view report_window_ends; NULL for a dated document), assignment (table passage_topics: 'cluster' where
-- HDBSCAN itself put the passage in the topic, else how outlier reduction gave it), member (assignment is
-- 'cluster'; readers list members first).
-- For: example documents of report section 5 (in_corpus, rank <= 2) and the
-- representative passages of reports/topics.csv and topics.md.
CREATE OR REPLACE VIEW report_topic_representatives AS
SELECT r.topic_key, r.rank, r.passage_id, r.doc_id, p.text, coalesce(d.outlet, d.platform) AS outlet,
       p.published_at, p.url, d.source, d.source_type, d.is_relevant AND d.duplicate_of IS NULL AS in_corpus,
       we.window_end, pt.assignment, coalesce(pt.assignment = 'cluster', false) AS member
FROM topic_representatives r JOIN documents d USING (doc_id) JOIN passages p USING (passage_id)
LEFT JOIN report_window_ends we USING (doc_id)
LEFT JOIN passage_topics pt ON pt.passage_id = r.passage_id AND pt.topic_key = r.topic_key
WHERE p.citable;

-- Grain: one row per (topic, corpus document, cited record) with a citable passage
-- (passages.citable: its own record has a URL and a date) that HDBSCAN itself put in
-- the topic (assignment 'cluster'); a merged recap gives one row per record.
-- Columns: topic_key, doc_id, outlet, published_at, url (the record's), source_type,
-- probability (the highest membership of the record's passages in the topic), window_end (view
-- report_window_ends; NULL for a dated document).
-- For: report section 7, earliest documents (read: WHERE probability >= report.min_membership,
-- ranked by coalesce(window_end, published_at), doc_id: a window-dated comment by the latest day it
-- can have been posted).
CREATE OR REPLACE VIEW report_first_voice_candidates AS
SELECT pn.topic_key, pn.doc_id, pn.outlet, pn.published_at, pn.url, pn.source_type,
       max(pn.probability) AS probability, we.window_end
FROM topic_passages pn JOIN corpus c USING (doc_id) LEFT JOIN report_window_ends we USING (doc_id)
WHERE pn.citable AND pn.assignment = 'cluster'
GROUP BY pn.topic_key, pn.doc_id, pn.outlet, pn.published_at, pn.url, pn.source_type, we.window_end;

-- Grain: one row per (topic, source), discovery passages not outliers.
-- Columns: topic_key, source, n (passages).
-- For: "top sources" of reports/topics.csv and topics.md (read: ORDER BY topic_key, n DESC, source).
CREATE OR REPLACE VIEW report_topic_sources AS
SELECT pt.topic_key, d.source, count(*) AS n
FROM passage_topics pt JOIN documents d ON d.doc_id = split_part(pt.passage_id, '-', 1)
WHERE pt.topic_key <> 'outlier'
GROUP BY ALL;

-- Grain: one row.
-- Columns: passages, narrative (passages with a topic row, outliers
-- included), outliers, topics, retired (retired topic keys).
-- For: report section 5, first paragraph.
CREATE OR REPLACE VIEW report_topic_totals AS
SELECT (SELECT count(*) FROM passages) AS passages,
       (SELECT count(*) FROM passage_topics) AS narrative,
       (SELECT count(*) FROM passage_topics WHERE topic_key = 'outlier') AS outliers,
       (SELECT count(*) FROM topics) AS topics,
       (SELECT count(*) FROM retired_topic_keys) AS retired;

-- Grain: one row (the corpus).
-- Columns: n (documents), first, last (published_at), sources, english (share 0-1 with lang 'en').
-- For: report section 1, first paragraph.
CREATE OR REPLACE VIEW report_corpus_summary AS
SELECT count(*) AS n, min(published_at) AS first, max(published_at) AS last, count(DISTINCT source) AS sources,
       avg(CASE WHEN lang = 'en' THEN 1 ELSE 0 END) AS english
FROM corpus;

-- Grain: one row per source type of the corpus.
-- Columns: source_type, n (documents).
-- For: report section 1, "by source type".
CREATE OR REPLACE VIEW report_source_type_counts AS
SELECT source_type, count(*) AS n FROM corpus GROUP BY 1;

-- Grain: one row per month (session time zone; NULL for undated documents) of the corpus.
-- Columns: m (DATE, first of the month), n (documents).
-- For: report section 1, the busiest month.
CREATE OR REPLACE VIEW report_month_counts AS
SELECT CAST(date_trunc('month', published_at) AS DATE) AS m, count(*) AS n FROM corpus GROUP BY 1;

-- Grain: one row per (day, source) of the corpus (session time zone; NULL day for undated documents).
-- Columns: d (DATE), source, n (documents).
-- For: report section 1, the busiest single day.
CREATE OR REPLACE VIEW report_day_source_counts AS
SELECT CAST(published_at AS DATE) AS d, source, count(*) AS n FROM corpus GROUP BY ALL;

-- Grain: one row per source with documents dated by their comment window (date_precision 'window').
-- Columns: source, n (documents), d (their earliest date).
-- For: report section 1, window-dated documents.
CREATE OR REPLACE VIEW report_window_dated_sources AS
SELECT source, count(*) AS n, min(CAST(published_at AS DATE)) AS d FROM corpus
WHERE date_precision = 'window' GROUP BY 1;

-- Grain: one row per source (view source_summary).
-- Columns: those of source_summary, then n_window (window-dated documents of the corpus, 0 if none).
-- For: report section 1, the table of sources.
CREATE OR REPLACE VIEW report_source_accounts AS
SELECT s.*, coalesce(w.n, 0) AS n_window FROM source_summary s LEFT JOIN
    (SELECT source, count(*) AS n FROM corpus WHERE date_precision = 'window' GROUP BY 1) w USING (source);

-- Grain: one row per listed actor with at least one quote.
-- Columns: actor, kind, n_quotes.
-- For: the rows of figure actor_stance (read: ORDER BY n_quotes DESC, actor LIMIT report.top_actors).
CREATE OR REPLACE VIEW report_listed_actor_quotes AS
SELECT q.speaker_actor AS actor, a.kind, count(*) AS n_quotes
FROM quotes q JOIN actors a ON a.actor = q.speaker_actor WHERE q.speaker_actor IN (SELECT actor FROM actors)
GROUP BY ALL;

-- Grain: one row (all quotes).
-- Columns: quotes, docs (documents with a quote), listed (quotes of listed actors),
-- unknown (quotes whose speaker the finder could not name).
-- For: report section 4, first paragraph.
CREATE OR REPLACE VIEW report_quote_totals AS
SELECT count(*) AS quotes, count(DISTINCT doc_id) AS docs,
       count(*) FILTER (WHERE q.speaker_actor IN (SELECT actor FROM actors)) AS listed,
       count(*) FILTER (WHERE q.speaker_actor = 'unknown') AS unknown
FROM quotes q;

-- Grain: one row (the public comments: the corpus documents, table stances, of the sources whose
-- documents give their submitter's quote, cue 'comment_author': table comment_sources, params
-- actors.author_is_speaker, so a source none of whose comments gives a quote is still counted).
-- Columns: comments, quoted (comments with a submitter quote), unnamed (comments with no author).
-- For: report section 4, first paragraph ("each public comment is one quote of its submitter").
CREATE OR REPLACE VIEW report_comment_quotes AS
SELECT count(*) AS comments,
       count(*) FILTER (WHERE d.doc_id IN (SELECT doc_id FROM quotes WHERE cue = 'comment_author')) AS quoted,
       count(*) FILTER (WHERE NOT regexp_matches(coalesce(d.author, ''), '\S')) AS unnamed
FROM documents d JOIN stances s USING (doc_id) WHERE d.source IN (SELECT source FROM comment_sources);

-- Grain: one row per (listed actor with a classified quote, stance) for the
-- stance labels of stance_codebook other than neutral and off_topic.
-- Columns: actor, stance, n_label (the actor's quotes classified as the
-- stance), n_all (all the actor's classified quotes), n_docs (documents of
-- the n_label quotes), n_read and n_read_agree (of the n_label quotes, those a reader labelled, and
-- labelled the stance: table quote_stance_labels), kind, and the actor's example, a citable quote (its
-- passage is citable: its own record has a URL and a date) of the stance: one a reader labelled the stance
-- first, then unread ones, then read ones labelled otherwise; within each, whole quotes before cut ones, the
-- actor's own words (direct quotes, transcript turns, comments) before reported speech ('reported',
-- 'according_to': the writer's words), then the highest probability of the stance, then the lowest
-- quote_id: quote_text, cue, outlet, published_at, url, source_type, read_label and annotator (the reader's label and name; NULL if unread), and cut (the quote
-- runs to the end of a stored text that ends without closing punctuation: the source was stored cut, as
-- many tech-news excerpts are, so the words after it are missing), window_end (view report_window_ends; NULL
-- for a dated document), own (the speaker is the writer, "we"/"I": the quote finder gives it to the
-- document's author, so even reported speech, "we believe that …", is the actor's own published words)
-- (all NULL if none).
-- For: report section 4, "most quoted with stance" (read: WHERE stance AND
-- n_label >= report.min_stance_quotes ORDER BY n_label DESC, actor LIMIT report.top_actors).
CREATE OR REPLACE VIEW report_actor_stance_quotes AS
WITH wanted AS (SELECT label AS stance FROM stance_codebook WHERE label NOT IN ('neutral', 'off_topic')),
counts AS (
    SELECT q.speaker_actor AS actor, t.stance, count(*) FILTER (WHERE s.label = t.stance) AS n_label,
           count(*) AS n_all, count(DISTINCT q.doc_id) FILTER (WHERE s.label = t.stance) AS n_docs,
           count(r.label) FILTER (WHERE s.label = t.stance) AS n_read,
           count(*) FILTER (WHERE s.label = t.stance AND r.label = t.stance) AS n_read_agree
    FROM quotes q JOIN quote_stances s USING (quote_id) CROSS JOIN wanted t
    LEFT JOIN quote_stance_labels r ON r.quote_id = q.quote_id
    WHERE q.speaker_actor IN (SELECT actor FROM actors) GROUP BY 1, 2),
citable AS (
    SELECT q.speaker_actor AS actor, s.label AS stance, q.quote_text, q.cue,
           lower(q.speaker) IN ('i', 'me', 'we', 'us') AS own,
           coalesce(d.outlet, d.platform) AS outlet, qp.published_at, qp.url, d.source_type,
           r.label AS read_label, r.annotator, cut.cut, we.window_end,
           row_number() OVER (PARTITION BY q.speaker_actor, s.label ORDER BY
               CASE WHEN r.label = s.label THEN 0 WHEN r.label IS NULL THEN 1 ELSE 2 END, cut.cut,
               q.cue IN ('reported', 'according_to') AND lower(q.speaker) NOT IN ('i', 'me', 'we', 'us'), p.p DESC,
               q.quote_id) AS rank
    FROM quotes q JOIN quote_stances s USING (quote_id) JOIN documents d USING (doc_id)
    JOIN passages qp ON qp.passage_id = q.passage_id
    JOIN quote_stance_probabilities p ON p.quote_id = s.quote_id AND p.label = s.label
    LEFT JOIN quote_stance_labels r ON r.quote_id = q.quote_id
    LEFT JOIN report_window_ends we ON we.doc_id = q.doc_id
    CROSS JOIN LATERAL (SELECT q.end_char >= length(rtrim(d.text))
                               AND NOT regexp_matches(rtrim(d.text), '[.!?…"”’)\]]$') AS cut) cut
    WHERE q.speaker_actor IN (SELECT actor FROM actors) AND s.label IN (SELECT stance FROM wanted)
      AND qp.citable)
SELECT c.actor, c.stance, c.n_label, c.n_all, c.n_docs, c.n_read, c.n_read_agree, a.kind, e.quote_text, e.cue,
       e.outlet, e.published_at, e.url, e.source_type, e.read_label, e.annotator, e.cut, e.window_end, e.own
FROM counts c JOIN actors a USING (actor)
LEFT JOIN citable e ON e.actor = c.actor AND e.stance = c.stance AND e.rank = 1;

-- Grain: one row per outlet quoting listed actors (view outlet_quotes).
-- Columns: outlet, n (quotes of listed actors), pos (of them pro_open_source),
-- sh (security_hawk); pos and sh are NULL when none.
-- For: report section 4, "which outlets quote listed actors" (read: ORDER BY n DESC, outlet LIMIT).
CREATE OR REPLACE VIEW report_outlet_listed_quotes AS
SELECT o.outlet, sum(o.n) AS n,
       sum(o.n) FILTER (WHERE o.label = 'pro_open_source') AS pos,
       sum(o.n) FILTER (WHERE o.label = 'security_hawk') AS sh
FROM outlet_quotes o JOIN actors a USING (actor)
GROUP BY 1;
