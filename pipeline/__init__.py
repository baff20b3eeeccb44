"""US-China open-source AI debate pipeline: ingest, narratives, stance."""
