"""Stage ``actors`` (issue 6): who says what. ``python -m pipeline.actors``
runs :func:`pipeline.actors.stage.main`; the modules are ``registry`` (actors
and the spaCy pipeline), ``quotes`` (attribution rules), ``extract`` (entity
and quote rows), ``quote_stance`` (stance of each quote), ``evaluate``
(gold-set figures) and ``stage``."""
