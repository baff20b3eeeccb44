-- 001: actors, entities, quotes and quote stances (issue #6). Filled by pipeline/actors/stage.py.

-- The actor registry, corpora/actors.yaml.
CREATE TABLE actors (
    actor    VARCHAR PRIMARY KEY,   -- canonical name
    kind     VARCHAR NOT NULL,      -- company, lab, government, person, ...
    org      VARCHAR,               -- the actor a person speaks for, if listed
    aliases  VARCHAR[] NOT NULL     -- every alias matched (case-insensitive), the name included
);

-- spaCy named entities (statistical NER corrected by the actor ruler) in the
-- passages the stage reads; offsets index documents.text.
CREATE TABLE entities (
    doc_id      VARCHAR NOT NULL,
    passage_id  VARCHAR NOT NULL,
    text        VARCHAR NOT NULL,
    label       VARCHAR NOT NULL,   -- spaCy label: PERSON, ORG, GPE, NORP, PRODUCT ...
    actor       VARCHAR,            -- canonical actor when the ruler matched an alias
    start_char  INTEGER NOT NULL,
    end_char    INTEGER NOT NULL
);

-- Attributed quotes; quote_text = documents.text[start_char:end_char].
CREATE TABLE quotes (
    quote_id       VARCHAR PRIMARY KEY,  -- sha256(doc_id, start_char, end_char, cue), 16 hex digits
    doc_id         VARCHAR NOT NULL,
    passage_id     VARCHAR NOT NULL,     -- the passage holding start_char
    speaker        VARCHAR NOT NULL,     -- as written: "Nvidia CEO Jensen Huang", "he", a submitter
    speaker_actor  VARCHAR NOT NULL,     -- canonical actor, 'other:<name>' or 'unknown'
    quote_text     VARCHAR NOT NULL,
    cue            VARCHAR NOT NULL,     -- said_direct, colon_direct, wrote_direct, reported,
                                         -- according_to, transcript, comment_author
    start_char     INTEGER NOT NULL,
    end_char       INTEGER NOT NULL
);

-- The stance classifier (models/stance.skops) on each quote's own text.
CREATE TABLE quote_stances (
    quote_id          VARCHAR PRIMARY KEY,
    label             VARCHAR NOT NULL,   -- most probable label
    model_version     VARCHAR NOT NULL
);

-- Its probabilities in long form, one row per quote and label of params.yaml
-- stance.labels (the warehouse view quote_stances_wide pivots them).
CREATE TABLE quote_stance_probabilities (
    quote_id          VARCHAR NOT NULL,
    label             VARCHAR NOT NULL,
    p                 DOUBLE NOT NULL,    -- calibrated probability, 0..1; sums to 1 per quote
    PRIMARY KEY (quote_id, label)
);

-- Quotes a reader labelled with the stance codebook (corpora/labels/quote_stance_v1.jsonl; the quote
-- as the unit, the speaker's perspective), matched to this build's quotes by document and words
-- (pipeline/actors/quote_labels.py). Only the matched labels; metrics/actors.json counts the others.
CREATE TABLE quote_stance_labels (
    quote_id   VARCHAR PRIMARY KEY,
    label      VARCHAR NOT NULL,   -- the reader's label, one of params.yaml stance.labels
    annotator  VARCHAR NOT NULL,   -- who read it
    note       VARCHAR             -- the reader's reason
);
