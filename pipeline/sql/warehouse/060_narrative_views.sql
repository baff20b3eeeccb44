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
