-- Stances, passages and quotes name documents that exist.
SELECT 'stances' AS relation, s.doc_id FROM stances s ANTI JOIN documents d USING (doc_id)
UNION ALL SELECT 'passages', p.doc_id FROM passages p ANTI JOIN documents d USING (doc_id)
UNION ALL SELECT 'quotes', q.doc_id FROM quotes q ANTI JOIN documents d USING (doc_id)
