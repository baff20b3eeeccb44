-- 001: stance predictions (issue #4). Filled by pipeline/stance/stage.py.

-- One row per document of the corpus (reserved documents included): the most
-- probable label. The probabilities are in long form below, one row per label of
-- params.yaml stance.labels, so the label set decides the rows, not the schema;
-- the warehouse pivots them (views stances_wide, passage_stances_wide, ...).
CREATE TABLE stances (
    doc_id            VARCHAR PRIMARY KEY,
    label             VARCHAR NOT NULL,   -- most probable label
    model_version     VARCHAR NOT NULL
);

CREATE TABLE stance_probabilities (
    doc_id            VARCHAR NOT NULL,
    label             VARCHAR NOT NULL,
    p                 DOUBLE NOT NULL,    -- calibrated probability (sigmoid / Platt); sums to 1 per document
    PRIMARY KEY (doc_id, label)
);

-- The same classifier on each narrative passage's embedding.
CREATE TABLE passage_stances (
    passage_id        VARCHAR PRIMARY KEY,
    label             VARCHAR NOT NULL,
    model_version     VARCHAR NOT NULL
);

CREATE TABLE passage_stance_probabilities (
    passage_id        VARCHAR NOT NULL,
    label             VARCHAR NOT NULL,
    p                 DOUBLE NOT NULL,
    PRIMARY KEY (passage_id, label)
);

-- Zero-shot first cut (label-description similarity), for comparison and cold starts.
CREATE TABLE zero_shot_stances (
    doc_id            VARCHAR PRIMARY KEY,
    label             VARCHAR NOT NULL,
    model_version     VARCHAR NOT NULL
);

CREATE TABLE zero_shot_probabilities (
    doc_id            VARCHAR NOT NULL,
    label             VARCHAR NOT NULL,
    p                 DOUBLE NOT NULL,
    PRIMARY KEY (doc_id, label)
);

-- The labelled documents used for training, with their out-of-fold prediction.
CREATE TABLE stance_labels (
    doc_id        VARCHAR PRIMARY KEY,
    label         VARCHAR NOT NULL,       -- corpora/labels/stance_v1.jsonl
    annotator     VARCHAR NOT NULL,
    cv_prediction VARCHAR NOT NULL        -- grouped cross-validation prediction
);

-- Label descriptions (params.yaml stance.labels, from the codebook table).
CREATE TABLE stance_codebook (
    label       VARCHAR PRIMARY KEY,
    description VARCHAR NOT NULL
);
