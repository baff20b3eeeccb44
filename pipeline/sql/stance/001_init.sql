-- 001: stance predictions (issue #4). Filled by pipeline/stance.py.

-- One row per document of the corpus (reserved documents included).
CREATE TABLE stances (
    doc_id            VARCHAR PRIMARY KEY,
    label             VARCHAR NOT NULL,   -- most probable label
    p_pro_open_source DOUBLE NOT NULL,    -- calibrated probabilities (sigmoid / Platt), sum to 1
    p_security_hawk   DOUBLE NOT NULL,
    p_pro_china_tools DOUBLE NOT NULL,
    p_neutral         DOUBLE NOT NULL,
    p_off_topic       DOUBLE NOT NULL,
    model_version     VARCHAR NOT NULL
);

-- The same classifier on each narrative passage's embedding.
CREATE TABLE passage_stances (
    passage_id        VARCHAR PRIMARY KEY,
    label             VARCHAR NOT NULL,
    p_pro_open_source DOUBLE NOT NULL,
    p_security_hawk   DOUBLE NOT NULL,
    p_pro_china_tools DOUBLE NOT NULL,
    p_neutral         DOUBLE NOT NULL,
    p_off_topic       DOUBLE NOT NULL,
    model_version     VARCHAR NOT NULL
);

-- Zero-shot first cut (label-description similarity), for comparison and cold starts.
CREATE TABLE zero_shot_stances (
    doc_id            VARCHAR PRIMARY KEY,
    label             VARCHAR NOT NULL,
    p_pro_open_source DOUBLE NOT NULL,
    p_security_hawk   DOUBLE NOT NULL,
    p_pro_china_tools DOUBLE NOT NULL,
    p_neutral         DOUBLE NOT NULL,
    p_off_topic       DOUBLE NOT NULL,
    model_version     VARCHAR NOT NULL
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
