"""Stage ``topics``: BERTopic narratives with stable keys (``python -m pipeline.topics``).

Modules: :mod:`~pipeline.topics.data` (the narrative passages and their
vectors), :mod:`~pipeline.topics.knn` (exact neighbour graph for UMAP),
:mod:`~pipeline.topics.model` (BERTopic configuration and fit),
:mod:`~pipeline.topics.ctfidf` (topic terms, overall and per month),
:mod:`~pipeline.topics.quality` (NPMI, diversity), :mod:`~pipeline.topics.keys`
(stable topic keys), :mod:`~pipeline.topics.incremental` (re-runs that keep
the fit), :mod:`~pipeline.topics.tables` (the stage database) and
:mod:`~pipeline.topics.stage` (the stage itself).
"""
