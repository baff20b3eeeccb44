-- Every entity's text is its document's text between start_char and end_char.
SELECT e.doc_id, e.passage_id, e.start_char, e.end_char, e.text
FROM entities e JOIN documents d USING (doc_id)
WHERE substring(d.text, e.start_char + 1, e.end_char - e.start_char) IS DISTINCT FROM e.text
