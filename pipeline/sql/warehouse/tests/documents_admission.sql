-- Every document in the corpus by admission says why (pipeline/admission.py): 'query' documents carry no
-- classifier p; 'classifier' documents were scored (0 < relevance), carry their p, are relevant and not duplicates.
SELECT doc_id, admitted_by, admission_p, relevance, is_relevant, duplicate_of
FROM documents
WHERE admitted_by IS NOT NULL AND (
      admitted_by NOT IN ('query', 'classifier') OR NOT is_relevant OR duplicate_of IS NOT NULL
   OR (admitted_by = 'query' AND admission_p IS NOT NULL)
   OR (admitted_by = 'classifier' AND (admission_p IS NULL OR relevance <= 0)))
