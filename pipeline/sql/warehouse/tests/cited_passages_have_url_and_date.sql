-- Every passage the report cites (topic representatives) has a document with a URL and a publication date.
SELECT r.topic_key, r.rank, r.passage_id, d.url, d.published_at
FROM topic_representatives r LEFT JOIN documents d USING (doc_id)
WHERE d.doc_id IS NULL OR d.url IS NULL OR d.published_at IS NULL
