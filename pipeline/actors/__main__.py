"""``python -m pipeline.actors``: run the stage."""

from pipeline.actors.quotes import main

main()
