-- Every citable passage's text lies within the record its URL names: a row of
-- document_records of the same document with that URL and date whose span holds the
-- passage (so the text occurs in that record); citable is exactly "a record holds it,
-- with a URL and a date". A merged recap's passage cited to the first record's URL fails here.
SELECT p.passage_id, p.record_idx, p.url, p.published_at, p.citable
FROM passages p
WHERE p.citable IS DISTINCT FROM (p.record_idx IS NOT NULL AND p.url IS NOT NULL AND p.published_at IS NOT NULL)
   OR (p.citable AND NOT EXISTS (
        SELECT 1 FROM document_records r
        WHERE r.doc_id = p.doc_id AND r.record_idx = p.record_idx AND r.url = p.url
          AND r.published_at = p.published_at AND r.char_start <= p.char_start AND p.char_end <= r.char_end))
