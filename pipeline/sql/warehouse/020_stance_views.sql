-- Stance views over the published warehouse (issue #4).
-- share = n_docs / documents of the same group; shares of a group sum to 1.

-- Monthly stance shares over all documents of the corpus.
CREATE OR REPLACE VIEW stance_over_time AS
WITH c AS (
    SELECT CAST(date_trunc('month', d.published_at AT TIME ZONE 'UTC') AS DATE) AS period, s.label, count(*) AS n
    FROM stances s JOIN documents d USING (doc_id)
    WHERE d.published_at IS NOT NULL
    GROUP BY ALL)
SELECT period, label, n AS n_docs, n / sum(n) OVER (PARTITION BY period) AS share FROM c;

-- The same, split by source type (news, blog, policy, social, forum, ...).
CREATE OR REPLACE VIEW stance_over_time_by_source_type AS
WITH c AS (
    SELECT CAST(date_trunc('month', d.published_at AT TIME ZONE 'UTC') AS DATE) AS period, d.source_type, s.label,
           count(*) AS n
    FROM stances s JOIN documents d USING (doc_id)
    WHERE d.published_at IS NOT NULL
    GROUP BY ALL)
SELECT period, source_type, label, n AS n_docs, n / sum(n) OVER (PARTITION BY period, source_type) AS share FROM c;

-- Stance inside each BERTopic topic: documents with at least one passage in the topic.
CREATE OR REPLACE VIEW topic_stance AS
WITH c AS (
    SELECT dt.topic_key, s.label, count(*) AS n
    FROM doc_topics dt JOIN stances s USING (doc_id)
    GROUP BY ALL)
SELECT topic_key, label, n AS n_docs, n / sum(n) OVER (PARTITION BY topic_key) AS share FROM c;

-- Stance per source.
CREATE OR REPLACE VIEW source_stance AS
WITH c AS (
    SELECT d.source, s.label, count(*) AS n
    FROM stances s JOIN documents d USING (doc_id)
    GROUP BY ALL)
SELECT source, label, n AS n_docs, n / sum(n) OVER (PARTITION BY source) AS share FROM c;
