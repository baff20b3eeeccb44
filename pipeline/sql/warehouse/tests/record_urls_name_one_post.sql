-- No two records share a URL unless they are the same post: the same document
-- (source file and native_id) or exact/near duplicates of it (duplicate_of). Records of
-- recap and forum sources are left out: their URL names the post they recap or list,
-- which several records may do (a Reddit thread on several days' lists, a tweet in
-- several newsletter issues, the issue page that holds a recap).
WITH r AS (
    SELECT r.url, coalesce(d.duplicate_of, d.doc_id) AS post, d.source
    FROM document_records r JOIN documents d USING (doc_id)
    WHERE r.url IS NOT NULL AND d.source_type NOT IN ('recap', 'forum'))
SELECT url, list(DISTINCT source ORDER BY source) AS sources, count(DISTINCT post) AS n_posts
FROM r GROUP BY url HAVING count(DISTINCT post) > 1
