"""Stage ``actors`` (issue 6): who says what. ``python -m pipeline.actors``."""
