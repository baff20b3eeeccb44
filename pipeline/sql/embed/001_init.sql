-- 001: passages and their embeddings (issue #3: narratives).

-- Documents of the `corpus` view cut into passages (pipeline/passages.py).
CREATE TABLE passages (
    passage_id       VARCHAR PRIMARY KEY, -- <doc_id>-<idx, 4 digits>
    doc_id           VARCHAR NOT NULL,    -- documents.doc_id
    idx              INTEGER NOT NULL,    -- position in the document, from 0
    text             VARCHAR NOT NULL,    -- = documents.text[char_start + 1 : char_end] (SQL is 1-based)
    char_start       INTEGER NOT NULL,    -- character offset in documents.text (0-based, inclusive)
    char_end         INTEGER NOT NULL,    -- character offset (exclusive)
    n_words          INTEGER NOT NULL,    -- whitespace tokens
    text_sha256      VARCHAR NOT NULL,    -- sha256 of text; the embedding cache key
    relevance        DOUBLE NOT NULL,     -- the clean stage's relevance query on this passage, 0..1
    in_narratives    BOOLEAN NOT NULL,    -- embedded and given to the topic model
    narrative_reason VARCHAR NOT NULL,    -- single, post_part, relevant, best_of_document, over_document_cap, not_relevant
    UNIQUE (doc_id, idx)
);

-- embeddings(passage_id VARCHAR PRIMARY KEY, model VARCHAR, vector FLOAT[d]) is
-- created by pipeline/embed.py, because d is the model's dimension (384 for the
-- default all-MiniLM-L6-v2) and params.yaml may name another model.
