-- Actor views over the published warehouse (issue #6).
-- Speakers the stage could not name (speaker_actor = 'unknown') are left out;
-- unlisted speakers appear as 'other:<name>' (join `actors` to keep listed ones).

-- Stance of each actor's quotes per month; shares of an (actor, period) sum to 1.
CREATE OR REPLACE VIEW actor_stance AS
WITH c AS (
    SELECT q.speaker_actor AS actor,
           CAST(date_trunc('month', d.published_at AT TIME ZONE 'UTC') AS DATE) AS period,
           s.label, count(*) AS n
    FROM quotes q JOIN quote_stances s USING (quote_id) JOIN documents d USING (doc_id)
    WHERE q.speaker_actor <> 'unknown' AND d.published_at IS NOT NULL
    GROUP BY ALL)
SELECT actor, period, label, n AS n_quotes, n / sum(n) OVER (PARTITION BY actor, period) AS share FROM c;

-- Which outlets quote which actor with which stance (outlet: the document's
-- outlet, else its platform, else its source). An actor speaking in its own
-- publication is not an outlet quoting it and is left out: public comments
-- (cue 'comment_author'), quotes whose actor has the outlet as an alias
-- (a White House briefing's staff, 'The White House'), and, since session 33, quotes of a person whose
-- org (corpora/actors.yaml) has it (Jake Sullivan, Karoline Leavitt and Donald Trump in the White House's
-- own transcripts, and David Sacks and Joe Biden: all 304 quotes of listed actors the White House row counted).
CREATE OR REPLACE VIEW outlet_quotes AS
SELECT coalesce(d.outlet, d.platform, d.source) AS outlet, q.speaker_actor AS actor, s.label, count(*) AS n
FROM quotes q JOIN quote_stances s USING (quote_id) JOIN documents d USING (doc_id)
LEFT JOIN actors a ON a.actor = q.speaker_actor
LEFT JOIN actors o ON o.actor = a.org
WHERE q.speaker_actor <> 'unknown' AND q.cue <> 'comment_author'
  AND NOT coalesce(list_contains(a.aliases, regexp_replace(d.outlet, '^The ', '')), false)
  AND NOT coalesce(list_contains(o.aliases, regexp_replace(d.outlet, '^The ', '')), false)
GROUP BY ALL;
