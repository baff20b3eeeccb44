-- Narrative views over the published warehouse (issue #3).

-- Narrative passages with their topic, document date, source and URL.
CREATE OR REPLACE VIEW passage_narratives AS
SELECT p.passage_id, p.doc_id, p.idx, p.text, pt.topic_key, pt.probability, pt.assignment,
       d.source, d.source_type, d.platform, coalesce(d.outlet, d.platform) AS outlet,
       d.published_at, CAST(date_trunc('month', d.published_at AT TIME ZONE 'UTC') AS DATE) AS period, d.url
FROM passages p
JOIN passage_topics pt USING (passage_id)
JOIN documents d USING (doc_id);
