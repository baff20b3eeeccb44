"""``python -m pipeline.stance``: the stage, or ``… suggest --n 50`` (see :func:`pipeline.stance.stage.main`)."""

from pipeline.stance.stage import main

main()
