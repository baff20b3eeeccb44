"""``python -m pipeline.topics``: run the stage (:func:`pipeline.topics.stage.main`)."""

from pipeline.topics.stage import main

main()
