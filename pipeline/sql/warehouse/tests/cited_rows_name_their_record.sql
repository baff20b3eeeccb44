-- Every example the report views cite names a record of its document by that record's
-- own URL and date (document_records), never a merged document's first URL.
WITH cited AS (
    SELECT 'report_topic_representatives' AS relation, doc_id, url, published_at FROM report_topic_representatives
    UNION ALL
    SELECT 'report_first_voice_candidates', doc_id, url, published_at FROM report_first_voice_candidates
    UNION ALL
    SELECT 'report_topic_stance_examples', doc_id, url, published_at FROM report_topic_stance_examples)
SELECT c.* FROM cited c
WHERE c.url IS NULL OR c.published_at IS NULL OR NOT EXISTS (
    SELECT 1 FROM document_records r
    WHERE r.doc_id = c.doc_id AND r.url = c.url AND r.published_at = c.published_at)
