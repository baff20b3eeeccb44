-- 002: representative passages per topic (issue #5: reports cite them).
-- The passages closest to the topic centroid, one per document, among citable passages
-- (passages.citable: their own record has a URL and a date; pipeline/topics/tables.py:
-- representatives()).
CREATE TABLE topic_representatives (
    topic_key   VARCHAR NOT NULL,
    rank        INTEGER NOT NULL,     -- 1 = closest to the centroid
    passage_id  VARCHAR NOT NULL,
    doc_id      VARCHAR NOT NULL,
    similarity  DOUBLE NOT NULL,      -- cosine to the topic centroid
    PRIMARY KEY (topic_key, rank)
);
