-- Every narrative of the narrative tables is a key of corpora/narratives.yaml (table narrative_taxonomy).
SELECT 'passage_narratives' AS relation, narrative FROM passage_narratives ANTI JOIN narrative_taxonomy USING (narrative)
UNION ALL SELECT 'passage_narrative_probabilities', narrative
    FROM passage_narrative_probabilities ANTI JOIN narrative_taxonomy USING (narrative)
UNION ALL SELECT 'doc_narratives', narrative FROM doc_narratives ANTI JOIN narrative_taxonomy USING (narrative)
UNION ALL SELECT 'narratives_over_time', narrative FROM narratives_over_time ANTI JOIN narrative_taxonomy USING (narrative)
