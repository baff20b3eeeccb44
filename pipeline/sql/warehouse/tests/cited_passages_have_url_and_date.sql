-- Every passage the report cites (topic representatives) is citable: its own record
-- (passages.record_idx) has a URL and a publication date.
SELECT r.topic_key, r.rank, r.passage_id, p.url, p.published_at, p.citable
FROM topic_representatives r LEFT JOIN passages p USING (passage_id)
WHERE p.passage_id IS NULL OR NOT p.citable OR p.url IS NULL OR p.published_at IS NULL
