-- Narrative views over the published warehouse (issue 19): a narrative is a claim of
-- corpora/narratives.yaml (table narrative_taxonomy), carried by a document when at least one
-- of its narrative passages states it (table doc_narratives). Every narrative of the taxonomy
-- appears, the catch-all included (narrative_taxonomy.catch_all: leave it out of claim trends).

-- Grain: one row per (narrative, stance label).
-- Columns: narrative, label (the document's stance, table stances), n_docs, share (of the
-- narrative's documents with a stance; the shares of a narrative sum to 1).
-- Counts every document, labelled or not (exclude stance_labels before quoting a share).
CREATE OR REPLACE VIEW narrative_stance AS
WITH c AS (
    SELECT dn.narrative, s.label, count(*) AS n
    FROM doc_narratives dn JOIN stances s USING (doc_id)
    GROUP BY ALL)
SELECT narrative, label, n AS n_docs, n / sum(n) OVER (PARTITION BY narrative) AS share FROM c;

-- Grain: one row per (narrative, source type, outlet).
-- Columns: narrative, source_type, outlet (the document's outlet, else its platform, else its
-- source, as view outlet_quotes), n_docs (documents carrying the narrative).
CREATE OR REPLACE VIEW narrative_sources AS
SELECT dn.narrative, d.source_type, coalesce(d.outlet, d.platform, d.source) AS outlet, count(*) AS n_docs
FROM doc_narratives dn JOIN documents d USING (doc_id)
GROUP BY ALL;

-- Grain: one row per (actor, narrative).
-- Columns: actor (quotes.speaker_actor; unknown speakers left out, unlisted ones 'other:<name>'),
-- narrative, n_quotes: the actor's quotes whose passage carries the narrative
-- (passage_narratives). A quote in a passage the stage did not score (not a narrative
-- passage) counts for no narrative.
CREATE OR REPLACE VIEW actor_narratives AS
SELECT q.speaker_actor AS actor, pn.narrative, count(*) AS n_quotes
FROM quotes q JOIN passage_narratives pn USING (passage_id)
WHERE q.speaker_actor <> 'unknown'
GROUP BY ALL;

-- Report views of the section "Narratives (claims)" (pipeline/report/narrative_section.py);
-- conventions of 040_report_views.sql (thresholds applied at read time).

-- Grain: one row per (month, source) of dated corpus documents with a narrative passage
-- (passages.in_narratives: the passages the narratives stage scores).
-- Columns: period (DATE, first of the UTC month), source, n_docs.
-- For: the denominators of the claim trend, summed over the trend's panel of sources.
CREATE OR REPLACE VIEW report_claim_month_source_totals AS
SELECT CAST(date_trunc('month', d.published_at AT TIME ZONE 'UTC') AS DATE) AS period, d.source,
       count(DISTINCT d.doc_id) AS n_docs
FROM corpus d JOIN passages p USING (doc_id)
WHERE p.in_narratives AND d.published_at IS NOT NULL
GROUP BY ALL;

-- Grain: one row per (month, source, narrative) of dated corpus documents carrying the narrative.
-- Columns: period (DATE), source, narrative, n_docs.
-- For: the claim trend's numerators, summed over the trend's panel of sources.
CREATE OR REPLACE VIEW report_claim_month_source_counts AS
SELECT CAST(date_trunc('month', d.published_at AT TIME ZONE 'UTC') AS DATE) AS period, d.source, dn.narrative,
       count(*) AS n_docs
FROM doc_narratives dn JOIN corpus d USING (doc_id)
WHERE d.published_at IS NOT NULL
GROUP BY ALL;

-- Grain: one row per (narrative, citable evidence passage of a corpus document), the passage
-- carrying the narrative (passage_narratives), its own record's URL and date (passages.citable).
-- Columns: narrative, passage_id, doc_id, p, text, outlet (outlet, else platform), source_type,
-- url, published_at, labelled (the passage is in narrative_labels: its p is in-sample).
-- For: the evidence passage of each narrative (read: WHERE NOT labelled ORDER BY p DESC, passage_id).
CREATE OR REPLACE VIEW report_claim_evidence AS
SELECT pn.narrative, pn.passage_id, p.doc_id, pn.p, p.text, coalesce(d.outlet, d.platform) AS outlet,
       d.source_type, p.url, p.published_at,
       pn.passage_id IN (SELECT passage_id FROM narrative_labels WHERE passage_id IS NOT NULL) AS labelled
FROM passage_narratives pn JOIN passages p USING (passage_id) JOIN corpus d USING (doc_id)
WHERE p.citable AND p.in_narratives;

-- Grain: one row per (narrative, stance label) over unlabelled documents (report_unlabelled_stances).
-- Columns: narrative, label, n_docs.
-- For: report section 2, "which side carries each narrative" (stance mix, all months).
CREATE OR REPLACE VIEW report_claim_stance_counts AS
SELECT dn.narrative, s.label, count(*) AS n_docs
FROM doc_narratives dn JOIN report_unlabelled_stances s USING (doc_id) JOIN corpus USING (doc_id)
GROUP BY ALL;
