-- Topic views over the published warehouse (issue #3; named topic_* since issue 19: a narrative is a claim, table passage_narratives).

-- Discovery passages (narrative passages with no taxonomy narrative) with their topic, source, and the URL and date of their own record
-- (passages.url, published_at, citable: a merged recap's passage cites the post it
-- paraphrases); period is the document's month, as topics_over_time counts it.
CREATE OR REPLACE VIEW topic_passages AS
SELECT p.passage_id, p.doc_id, p.idx, p.text, pt.topic_key, pt.probability, pt.assignment,
       d.source, d.source_type, d.platform, coalesce(d.outlet, d.platform) AS outlet,
       p.published_at, CAST(date_trunc('month', d.published_at AT TIME ZONE 'UTC') AS DATE) AS period, p.url,
       p.citable
FROM passages p
JOIN passage_topics pt USING (passage_id)
JOIN documents d USING (doc_id);
