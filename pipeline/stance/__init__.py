"""The stance stage (``python -m pipeline.stance``): a stance classifier for
documents, narrative passages and quotes, its evaluation, zero-shot labels
and the active-learning tools. See :mod:`pipeline.stance.stage`."""
