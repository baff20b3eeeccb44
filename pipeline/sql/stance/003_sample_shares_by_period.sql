-- 003: shares by reading within each source and calendar period (session 34): the estimator of
-- stance_sample_shares (pipeline/stance/sample_shares.py, sample_shares_by_period) over one source's documents
-- dated in one period (params.yaml stance.sample_period: month, quarter or year; documents.published_at in
-- UTC); a (source, period) with no labelled document has no rows. No model.
CREATE TABLE stance_sample_shares_by_period (
    source        VARCHAR NOT NULL,       -- documents.source
    period        DATE NOT NULL,          -- first day of the period
    unit          VARCHAR NOT NULL,       -- month, quarter or year (params.yaml stance.sample_period)
    label         VARCHAR NOT NULL,
    corpus_share  DOUBLE NOT NULL,        -- of the period's n_covered documents in files that hold labels
    corpus_lo     DOUBLE NOT NULL,
    corpus_hi     DOUBLE NOT NULL,
    share         DOUBLE,                 -- of their n_docs unlabelled documents (NULL: none)
    lo            DOUBLE,
    hi            DOUBLE,
    n_labelled    INTEGER NOT NULL,       -- labels of the period's files with unlabelled documents
    n_docs        INTEGER NOT NULL,
    n_covered     INTEGER NOT NULL,
    n_unlabelled  INTEGER NOT NULL,       -- all unlabelled documents of the source in the period
    n_sources     INTEGER NOT NULL,       -- source files (strata) with unlabelled documents
    PRIMARY KEY (source, period, label)
);
