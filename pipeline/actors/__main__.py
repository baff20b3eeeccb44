"""``python -m pipeline.actors``: run the stage (:func:`pipeline.actors.stage.main`)."""

from pipeline.actors.stage import main

main()
