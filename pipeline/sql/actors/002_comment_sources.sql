-- 002: the sources whose documents are public comments whose submitter is their speaker
-- (params.yaml actors.author_is_speaker: quote cue 'comment_author'). Filled by pipeline/actors/stage.py.
-- The report counts the comments of these sources (view report_comment_quotes), also those that give no quote.
CREATE TABLE comment_sources (
    source  VARCHAR PRIMARY KEY   -- documents.source
);
