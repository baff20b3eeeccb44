"""Names kept out of the discovery topics (pipeline/topics/names.py) and the
discovery input (pipeline/topics/discovery.py), on the shipped name lists,
real demo paragraphs and a real narratives schema."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline import warehouse
from pipeline.config import ACTORS_FILE, DEMO_CORPUS_DIR, MODEL_NAMES_FILE, SQL_DIR, ConfigError
from pipeline.topics.data import NarrativeInput
from pipeline.topics.discovery import discovery_input
from pipeline.topics.model import topic_vectorizer
from pipeline.topics.names import load_names, name_share


@pytest.fixture(scope="module")
def names():
    return load_names()


def _paragraphs(n_files: int = 20) -> list[str]:
    files = sorted((DEMO_CORPUS_DIR / "markdown").rglob("*.md"))[:n_files]
    return [p for f in files for p in f.read_text(encoding="utf-8").split("\n\n") if len(p.split()) >= 8]


def test_names_from_actors_and_models(names):
    # actors' aliases (company, lab), the model list, versions run together, and the patterns
    for word in ("deepseek", "DeepSeek", "qwen3", "deepseekr1", "deepseek_ai", "gemma2", "kimi", "r1", "v3",
                 "nvidia", "huawei", "openai", "chatgpt", "35b", "a3b", "llamas",
                 "zai"):  # "Z.ai" run together, as in "zai-org/GLM-4.6V-Flash" (a session-23 topic word)
        assert names.is_name(word), word
    # claim words, generic words of multi-word aliases ("Scale AI", "Open AI"), money, governments
    for word in ("cheap", "export", "controls", "open", "ai", "scale", "cost", "security", "6m", "metadata",
                 "china", "ccp", "ban", "models"):
        assert not names.is_name(word), word


def test_name_share_counts_label_words(names):
    assert name_share(["using deepseek, deepseek good", "kv cache, gb vram"], names) == (0.25, 2, 8)
    assert name_share([], names) == (None, 0, 0)


def test_vectorizer_keeps_names_out_of_topic_words(names):
    texts = _paragraphs()
    plain = set(topic_vectorizer({"min_df": 2}).fit(texts).get_feature_names_out())
    free = set(topic_vectorizer({"min_df": 2}, names).fit(texts).get_feature_names_out())
    named = {t for t in plain if any(names.is_name(w) for w in t.split())}
    assert len(named) >= 10  # the essays name models and labs
    assert not {t for t in free if any(names.is_name(w) for w in t.split())}
    assert {t for t in plain - named if " " not in t} <= free  # every other word stays


def test_the_list_is_data(tmp_path):
    """A model added to the file is a name; a broken pattern names the file and entry."""
    text = MODEL_NAMES_FILE.read_text(encoding="utf-8")
    edited = tmp_path / "model_names.yaml"
    edited.write_text(text.replace("models: [deepseek,", "models: [zorblax, deepseek,"), encoding="utf-8")
    assert load_names(edited, ACTORS_FILE).is_name("zorblax2")
    assert not load_names().is_name("zorblax2")
    edited.write_text(text.replace("patterns:\n", "patterns:\n  - '[v'\n"), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"model_names\.yaml: patterns\[1\] '\[v'"):
        load_names(edited, ACTORS_FILE)


def test_discovery_input_leaves_out_taxonomy_passages(tmp_path):
    """Passages with a taxonomy narrative are left out; the catch-all and,
    with min_p, low-confidence decisions do not count."""
    from pipeline.narratives import tables
    from pipeline.narratives.taxonomy import load_narratives
    from pipeline.workspace import LABELS

    texts = _paragraphs(3)[:5]
    frame = pd.DataFrame({"passage_id": [f"d{i}-0" for i in range(5)], "doc_id": [f"d{i}" for i in range(5)],
                          "text": texts})
    data = NarrativeInput(frame, np.arange(5 * 3, dtype=np.float32).reshape(5, 3), "demo")
    tax = load_narratives(sides=LABELS)
    claim = next(n.key for n in tax.narratives if not n.catch_all)
    other = next(n.key for n in tax.narratives if n.catch_all)
    db = tmp_path / "narratives.duckdb"
    with warehouse.build(db, SQL_DIR / "narratives", fresh=True) as con:
        tables.write_taxonomy(con, tax, {n.key: "zero_shot" for n in tax.narratives}, {}, {})
        con.executemany("INSERT INTO passage_narratives VALUES (?, ?, ?)",
                        [("d0-0", claim, 0.9), ("d1-0", other, 0.8), ("d2-0", claim, 0.3)])
    found = discovery_input(data, db)
    assert (found.n_narrative, found.n_taxonomy) == (5, 2)
    assert found.data.frame["passage_id"].tolist() == ["d1-0", "d3-0", "d4-0"]
    assert found.data.embeddings.tolist() == data.embeddings[[1, 3, 4]].tolist()
    low = discovery_input(data, db, min_p=0.5)
    assert low.data.frame["passage_id"].tolist() == ["d1-0", "d2-0", "d3-0", "d4-0"]
    assert discovery_input(data, None).data.frame["passage_id"].tolist() == frame["passage_id"].tolist()
