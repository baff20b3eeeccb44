-- 001: stance predictions (issue #4). Filled by pipeline/stance/stage.py.

-- One row per document of the corpus (reserved documents included): its stance,
-- pooled from its narrative passages' stances (pipeline/stance/pooling.py), decided
-- with per-class offsets (argmax of log p + offset; metrics/stance.json). The probabilities are in long form below, one row per label of
-- params.yaml stance.labels, so the label set decides the rows, not the schema;
-- the warehouse pivots them (views stances_wide, passage_stances_wide, ...).
CREATE TABLE stances (
    doc_id            VARCHAR PRIMARY KEY,
    label             VARCHAR NOT NULL,   -- decision: argmax(log p + offset) over stance_probabilities
    model_version     VARCHAR NOT NULL,
    evidence_passage_id VARCHAR           -- the narrative passage that decided a stance (highest p of that
                                          -- stance); NULL for neutral / off_topic (decided by absence)
);

CREATE TABLE stance_probabilities (
    doc_id            VARCHAR NOT NULL,
    label             VARCHAR NOT NULL,
    p                 DOUBLE NOT NULL,    -- pooling model's probability (multinomial LR); sums to 1 per document
    PRIMARY KEY (doc_id, label)
);

-- The passage classifier (trained on corpora/labels/stance_passages_v1.jsonl) on each
-- narrative passage, and on each labelled passage found in the current cut.
CREATE TABLE passage_stances (
    passage_id        VARCHAR PRIMARY KEY,
    label             VARCHAR NOT NULL,   -- decision: argmax(log p + passage offset)
    model_version     VARCHAR NOT NULL
);

CREATE TABLE passage_stance_probabilities (
    passage_id        VARCHAR NOT NULL,
    label             VARCHAR NOT NULL,
    p                 DOUBLE NOT NULL,    -- calibrated probability (sigmoid / Platt)
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
    cv_prediction VARCHAR NOT NULL        -- grouped cross-validation decision (pooled, with offsets)
);

-- The labelled passages (corpora/labels/stance_passages_v1.jsonl), joined to the current cut.
CREATE TABLE stance_passage_labels (
    line          INTEGER NOT NULL,       -- line of the label file
    source_file   VARCHAR NOT NULL,
    native_id     VARCHAR NOT NULL,       -- stored (pseudonymised) id
    doc_id        VARCHAR,                -- NULL: the document is not in the corpus
    passage_id    VARCHAR,                -- the current passage the label names (pipeline/label_match.py); NULL: none
    "match"       VARCHAR NOT NULL,       -- exact, within, contains, overlap, variant, none, no_document (label_match.MATCH_KINDS)
    label         VARCHAR NOT NULL,
    annotator     VARCHAR NOT NULL,
    cv_prediction VARCHAR NOT NULL,       -- grouped cross-validation decision (with the fold's offsets)
    PRIMARY KEY (line)
);

-- Shares that can be quoted (pipeline/stance/quantify.py): classify-and-count (CC),
-- adjusted CC (ACC, Forman 2008), probabilistic CC (PCC) and probabilistic ACC (PACC, Bella et al. 2010) with the
-- cross-validated error rates of the labelled documents, over the unlabelled documents;
-- 95 % percentile bootstrap intervals (documents and error rates resampled).
CREATE TABLE stance_shares (
    grouping      VARCHAR NOT NULL,       -- all | month (UTC, YYYY-MM) | source_type
    group_value   VARCHAR NOT NULL,
    label         VARCHAR NOT NULL,
    n_docs        INTEGER NOT NULL,
    share_cc      DOUBLE NOT NULL,
    share_acc     DOUBLE NOT NULL,
    lo            DOUBLE NOT NULL,        -- ACC interval
    hi            DOUBLE NOT NULL,
    share_pacc    DOUBLE NOT NULL,
    pacc_lo       DOUBLE NOT NULL,
    pacc_hi       DOUBLE NOT NULL,
    share_pcc     DOUBLE NOT NULL,        -- probabilistic CC: mean probability (Bella et al. 2010)
    pcc_lo        DOUBLE NOT NULL,        -- its interval: the documents resampled (sampling error only)
    pcc_hi        DOUBLE NOT NULL,
    PRIMARY KEY (grouping, group_value, label)
);

-- Label descriptions (params.yaml stance.labels, from the codebook table).
CREATE TABLE stance_codebook (
    label       VARCHAR PRIMARY KEY,
    description VARCHAR NOT NULL
);

-- Quantification error in the grouped cross-validation (metrics/stance.json "quantification"):
-- absolute error of each label's share in each outer fold's test documents, by method
-- (cc, acc, pacc, pcc: pooling model; prior: the training folds' label mix, a baseline; cc_max_rule, acc_max_rule: the max rule; cc_thresholds, acc_thresholds:
-- the thresholds pooler, pipeline/stance/docpool.py; stance.pooling picks the stored one).
CREATE TABLE stance_quantification_error (
    method          VARCHAR NOT NULL,
    label           VARCHAR NOT NULL,
    mean_abs_error  DOUBLE NOT NULL,      -- mean over the outer folds
    max_abs_error   DOUBLE NOT NULL,      -- worst fold
    stored          BOOLEAN NOT NULL,     -- the CC or ACC of the stored decisions (stances.label)
    quoted          BOOLEAN NOT NULL,     -- per label, the stored CC or ACC or pcc with the smallest mean error
    PRIMARY KEY (method, label)
);

-- Shares by reading (pipeline/stance/sample_shares.py): each label's share of the corpus documents of
-- the source files that were read, and of their documents without a training label, estimated from the
-- labelled documents (a random sample within each source file), stratified by source file; 95 %
-- Korn-Graubard intervals of that sampling. No model.
CREATE TABLE stance_sample_shares (
    label         VARCHAR PRIMARY KEY,
    corpus_share  DOUBLE NOT NULL,        -- of the n_covered corpus documents (labelled ones as labelled)
    corpus_lo     DOUBLE NOT NULL,
    corpus_hi     DOUBLE NOT NULL,
    share         DOUBLE NOT NULL,        -- of the n_docs unlabelled documents (what the model's shares count)
    lo            DOUBLE NOT NULL,
    hi            DOUBLE NOT NULL,
    n_labelled    INTEGER NOT NULL,       -- labels of the sources with unlabelled documents
    n_docs        INTEGER NOT NULL,       -- unlabelled documents of the sources that were read
    n_covered     INTEGER NOT NULL,       -- corpus documents of the sources that were read
    n_unlabelled  INTEGER NOT NULL,       -- all unlabelled corpus documents (the rest: files nobody read)
    n_sources     INTEGER NOT NULL
);
