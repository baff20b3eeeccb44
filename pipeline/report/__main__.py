"""``python -m pipeline.report``: run the report stage (:func:`pipeline.report.stage.main`)."""

from pipeline.report.stage import main

if __name__ == "__main__":
    main()
