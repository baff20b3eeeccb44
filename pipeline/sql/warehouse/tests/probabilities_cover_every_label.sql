-- Every stance decision has one probability per label of stance_codebook (params.yaml stance.labels), summing to 1 (to 1e-4: rounded to 6 places).
WITH expected AS (SELECT count(*) AS n FROM stance_codebook),
sets AS (
    SELECT 'stances' AS relation, d.doc_id AS id, count(p.label) AS n, coalesce(sum(p.p), 0) AS total
    FROM stances d LEFT JOIN stance_probabilities p USING (doc_id) GROUP BY ALL
    UNION ALL SELECT 'passage_stances', d.passage_id, count(p.label), coalesce(sum(p.p), 0)
    FROM passage_stances d LEFT JOIN passage_stance_probabilities p USING (passage_id) GROUP BY ALL
    UNION ALL SELECT 'quote_stances', d.quote_id, count(p.label), coalesce(sum(p.p), 0)
    FROM quote_stances d LEFT JOIN quote_stance_probabilities p USING (quote_id) GROUP BY ALL)
SELECT s.* FROM sets s, expected e WHERE s.n <> e.n OR abs(s.total - 1) > 1e-4
