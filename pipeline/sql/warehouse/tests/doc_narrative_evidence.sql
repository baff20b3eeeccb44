-- Each document narrative's evidence passage is a passage of that document that carries the narrative (passage_narratives).
SELECT dn.doc_id, dn.narrative, dn.evidence_passage_id
FROM doc_narratives dn
LEFT JOIN passages p ON p.passage_id = dn.evidence_passage_id
LEFT JOIN passage_narratives pn ON pn.passage_id = dn.evidence_passage_id AND pn.narrative = dn.narrative
WHERE p.doc_id IS DISTINCT FROM dn.doc_id OR pn.passage_id IS NULL
