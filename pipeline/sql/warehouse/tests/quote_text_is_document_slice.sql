-- Every quote's text is its document's text between start_char and end_char (0-based, end exclusive).
SELECT q.quote_id, q.doc_id, q.start_char, q.end_char, q.quote_text
FROM quotes q JOIN documents d USING (doc_id)
WHERE substring(d.text, q.start_char + 1, q.end_char - q.start_char) IS DISTINCT FROM q.quote_text
