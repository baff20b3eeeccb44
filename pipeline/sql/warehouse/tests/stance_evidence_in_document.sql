-- A document's stance evidence (stances.evidence_passage_id) is a passage of that document.
SELECT s.doc_id, s.evidence_passage_id
FROM stances s LEFT JOIN passages p ON p.passage_id = s.evidence_passage_id
WHERE s.evidence_passage_id IS NOT NULL AND (p.doc_id IS NULL OR p.doc_id <> s.doc_id)
