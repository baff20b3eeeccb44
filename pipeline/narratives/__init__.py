"""Narratives: recurring claims of the debate, from a taxonomy kept as data (issue 19).

``taxonomy`` reads and checks ``corpora/narratives.yaml`` (the narrative
codebook as data) and gives each narrative's zero-shot text. The passage
classifier and the ``narratives`` stage come later; no module here names a
narrative.
"""
