-- 001: narratives (issue #3). Filled by pipeline/topics/ (tables.py).

-- One row per topic; keys are stable across runs (models/topics/keys.json).
CREATE TABLE topics (
    topic_key   VARCHAR PRIMARY KEY,  -- N-01, N-02, ... never reused
    topic_id    INTEGER NOT NULL,     -- BERTopic's id in this run (not stable; cite topic_key)
    label       VARCHAR NOT NULL,     -- first words of the KeyBERTInspired + MMR representation
    top_terms   VARCHAR[] NOT NULL,   -- top c-TF-IDF terms, best first
    size        INTEGER NOT NULL,     -- narrative passages in the topic
    share       DOUBLE NOT NULL,      -- size / all narrative passages (outliers included)
    first_month DATE,                 -- first day of the month
    last_month  DATE,
    peak_month  DATE                  -- month with most passages (earliest on ties)
);

-- Topic of every narrative passage ('outlier' if still unassigned).
CREATE TABLE passage_topics (
    passage_id  VARCHAR PRIMARY KEY,
    topic_key   VARCHAR NOT NULL,
    probability DOUBLE NOT NULL,      -- HDBSCAN membership strength, 0..1; 0 for outliers
    assignment  VARCHAR NOT NULL      -- cluster, outlier_reduced (reassigned by embedding),
                                      -- assigned (joined a previous fit's topic by embedding), outlier
);

-- Share of each document's narrative passages per topic (sums to 1 per doc).
CREATE TABLE doc_topics (
    doc_id    VARCHAR NOT NULL,
    topic_key VARCHAR NOT NULL,
    share     DOUBLE NOT NULL,
    PRIMARY KEY (doc_id, topic_key)
);

-- Monthly prevalence; terms from that month's passages only.
CREATE TABLE topics_over_time (
    topic_key        VARCHAR NOT NULL,
    period           DATE NOT NULL,   -- first day of the month (UTC)
    n_passages       INTEGER NOT NULL,
    share_of_period  DOUBLE NOT NULL, -- n_passages / narrative passages of the month
    top_terms_period VARCHAR[] NOT NULL,
    PRIMARY KEY (topic_key, period)
);

-- Every key event of every run, in order.
CREATE TABLE topic_key_history (
    seq        INTEGER PRIMARY KEY,
    run_id     VARCHAR NOT NULL,      -- hash of inputs and params
    topic_key  VARCHAR NOT NULL,
    event      VARCHAR NOT NULL,      -- created, matched, retired
    topic_id   INTEGER,               -- BERTopic id in that run
    similarity DOUBLE                 -- match score (centroid cosine + term Jaccard)
);

CREATE TABLE retired_topic_keys (
    topic_key   VARCHAR PRIMARY KEY,
    label       VARCHAR,
    created_run VARCHAR NOT NULL,
    retired_run VARCHAR
);
