-- 002: shares by reading within each source type (session 33): the estimator of stance_sample_shares
-- (pipeline/stance/sample_shares.py, sample_shares_by_type) over the source files of one source type
-- (documents.source_type); a type none of whose files holds a label has no rows. No model.
CREATE TABLE stance_sample_shares_by_type (
    source_type   VARCHAR NOT NULL,
    label         VARCHAR NOT NULL,
    corpus_share  DOUBLE NOT NULL,        -- of the type's n_covered documents in files that hold labels
    corpus_lo     DOUBLE NOT NULL,
    corpus_hi     DOUBLE NOT NULL,
    share         DOUBLE,                 -- of their n_docs unlabelled documents (NULL: none)
    lo            DOUBLE,
    hi            DOUBLE,
    n_labelled    INTEGER NOT NULL,       -- labels of the type's files with unlabelled documents
    n_docs        INTEGER NOT NULL,
    n_covered     INTEGER NOT NULL,
    n_unlabelled  INTEGER NOT NULL,       -- all unlabelled corpus documents of the type
    n_sources     INTEGER NOT NULL,
    PRIMARY KEY (source_type, label)
);
