-- Every passage's text is its document's text between char_start and char_end (0-based, end exclusive).
SELECT p.passage_id, p.char_start, p.char_end
FROM passages p JOIN documents d USING (doc_id)
WHERE substring(d.text, p.char_start + 1, p.char_end - p.char_start) IS DISTINCT FROM p.text
