"""``python -m pipeline.narratives``: the narratives stage."""

from pipeline.narratives.stage import main

main()
