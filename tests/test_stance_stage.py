"""pipeline.stance.stage: what the stance caches are keyed on, and the CLI."""

from __future__ import annotations

import pipeline.encoder
from pipeline.stance import crossval, docpool, features, model, offsets, pooling, predict, stage, zero_shot


def test_cache_code_covers_the_modules_that_shape_the_cached_results(monkeypatch):
    seen = {}

    def record(*parts, modules=(), packages=(), **kwargs):
        seen.update(parts=parts, modules=list(modules), packages=list(packages))
        return "0" * 64

    monkeypatch.setattr(stage, "fingerprint", record)
    stage.cache_code("sentence-transformers/all-MiniLM-L6-v2")
    assert {m.__name__ for m in seen["modules"]} == {m.__name__ for m in (features, model, predict, zero_shot,
                                                                         pipeline.encoder, crossval, offsets,
                                                                         pooling, docpool)}
    # the stage module and the annotation tools shape no cached result: editing them keeps the fit
    assert not {"pipeline.stance.stage", "pipeline.stance.annotate", "pipeline.stance.labels"} & \
        {m.__name__ for m in seen["modules"]}
    assert seen["parts"] == (pipeline.encoder.model_id("sentence-transformers/all-MiniLM-L6-v2"),)
    assert {"scikit-learn", "skops", "sentence-transformers"} <= set(seen["packages"])


def test_cache_code_is_repeatable_and_differs_by_encoder_model():
    a = stage.cache_code("sentence-transformers/all-MiniLM-L6-v2")
    assert a == stage.cache_code("sentence-transformers/all-MiniLM-L6-v2") and len(a) == 64
    assert a != stage.cache_code("sentence-transformers/paraphrase-MiniLM-L3-v2")
