-- 001: narratives as claims (issue 19). Filled by pipeline/narratives/stage.py.
-- Narrative keys are those of corpora/narratives.yaml: the schema names none.

-- The taxonomy as run: one row per narrative of corpora/narratives.yaml, in file order.
CREATE TABLE narrative_taxonomy (
    narrative      VARCHAR PRIMARY KEY,  -- key in corpora/narratives.yaml
    position       INTEGER NOT NULL,     -- order in the file, from 0
    claim          VARCHAR NOT NULL,
    side           VARCHAR,              -- the stance label it usually serves (a prior), or NULL
    catch_all      BOOLEAN NOT NULL,     -- the residual class (`other`): kept out of the trends
    mode           VARCHAR NOT NULL,     -- supervised | zero_shot | none (catch-all without labels: never predicted)
    threshold      DOUBLE,               -- decision threshold on p (supervised: tuned in grouped CV; zero-shot: 0.5)
    n_positive_labels INTEGER NOT NULL   -- labelled passages carrying it
);

-- Every probability: one row per (scored passage, narrative). Scored passages are the
-- narrative passages (passages.in_narratives) and the current passage of every label.
CREATE TABLE passage_narrative_probabilities (
    passage_id  VARCHAR NOT NULL,
    narrative   VARCHAR NOT NULL,
    p           DOUBLE NOT NULL,         -- supervised: calibrated (Platt); zero-shot: squashed cosine
    PRIMARY KEY (passage_id, narrative)
);

-- The decisions: the rows of passage_narrative_probabilities with p >= the narrative's threshold.
CREATE TABLE passage_narratives (
    passage_id  VARCHAR NOT NULL,
    narrative   VARCHAR NOT NULL,
    p           DOUBLE NOT NULL,
    PRIMARY KEY (passage_id, narrative)
);

-- One row per narrative a document carries: at least one of its narrative passages
-- (in_narratives) states it. p and the evidence are those of its most probable such passage
-- (ties: the earlier passage).
CREATE TABLE doc_narratives (
    doc_id               VARCHAR NOT NULL,
    narrative            VARCHAR NOT NULL,
    p                    DOUBLE NOT NULL,
    evidence_passage_id  VARCHAR NOT NULL,  -- a passage of this document carrying the narrative
    n_passages           INTEGER NOT NULL,  -- its passages carrying the narrative
    PRIMARY KEY (doc_id, narrative)
);

-- Monthly counts (month of documents.published_at, UTC) over every dated document with a
-- narrative passage; every month with such a document has a row per narrative (0 when none).
-- The report restricts trends to a constant panel of sources (pipeline/report/coverage.py).
CREATE TABLE narratives_over_time (
    narrative        VARCHAR NOT NULL,
    period           DATE NOT NULL,         -- first day of the month
    n_docs           INTEGER NOT NULL,      -- documents carrying the narrative
    share_of_period  DOUBLE NOT NULL,       -- n_docs / dated documents with a narrative passage in the month
    n_passages       INTEGER NOT NULL,      -- their passages carrying it
    PRIMARY KEY (narrative, period)
);

-- The labelled passages (corpora/labels/narratives_passages_v1.jsonl) and their honest
-- predictions (outer grouped CV for supervised narratives, zero-shot decisions otherwise).
CREATE TABLE narrative_labels (
    line           INTEGER PRIMARY KEY,     -- line in the label file
    source_file    VARCHAR NOT NULL,
    doc_id         VARCHAR,                 -- NULL: the document is not in documents
    passage_id     VARCHAR,                 -- the current passage it covers; NULL: none
    match          VARCHAR NOT NULL,        -- exact | within | contains | overlap | variant | none | no_document (label_match.py)
    narratives     VARCHAR[] NOT NULL,      -- gold keys ([] = no narrative)
    cv_narratives  VARCHAR[] NOT NULL,      -- predicted keys
    evidence       VARCHAR[] NOT NULL,      -- the reader's evidence sentence of each gold key, in its order ('' none)
    annotator      VARCHAR NOT NULL
);
