"""Project paths and parameter loading.

Every path the pipeline touches is derived here from :data:`PROJECT_ROOT`, so no
other module holds a path literal. Parameters live in ``params.yaml``, grouped by
stage, plus two shared sections (``relevance``: the debate query, read by clean
and embed; ``encoder``: the sentence encoder, read by embed, topics, stance
and actors). A stage reads its own section and the shared ones it names
through :func:`load_params`; ``dvc.yaml`` lists exactly those keys.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

import yaml

#: Repository root; overridable with ``DEBATE_PROJECT_ROOT`` (the end-to-end
#: smoke test runs the DAG in a scratch copy of the project).
PROJECT_ROOT = Path(os.environ.get("DEBATE_PROJECT_ROOT", Path(__file__).resolve().parent.parent))
CORPORA_DIR = PROJECT_ROOT / "corpora"
DEMO_CORPUS_DIR = CORPORA_DIR / "demo"
SOURCES_FILE = CORPORA_DIR / "sources.yaml"
RAW_DIR = CORPORA_DIR / "raw"
MANIFEST_FILE = RAW_DIR / "manifest.jsonl"
DATA_DIR = PROJECT_ROOT / "data"
#: The published warehouse that notebooks and reports read (stage ``warehouse``).
WAREHOUSE_FILE = DATA_DIR / "debate.duckdb"
#: Analysts' own tables (pipeline.workspace.open_notes); no stage writes or deletes it.
NOTES_FILE = DATA_DIR / "notes.duckdb"
#: One DuckDB file per stage; each stage ATTACHes its inputs read-only.
STAGES_DIR = DATA_DIR / "stages"
CLEAN_DB = STAGES_DIR / "clean.duckdb"
EMBED_DB = STAGES_DIR / "embed.duckdb"
TOPICS_DB = STAGES_DIR / "topics.duckdb"
STANCE_DB = STAGES_DIR / "stance.duckdb"
ACTORS_DB = STAGES_DIR / "actors.duckdb"
NARRATIVES_DB = STAGES_DIR / "narratives.duckdb"
#: Embedding cache keyed by (model, sha256 of passage text); survives re-runs.
EMBED_CACHE_FILE = DATA_DIR / "cache" / "embeddings.duckdb"
#: Per-stage result caches (pickle stores keyed by input digests; see pipeline/stage_cache.py).
CLEAN_CACHE_DIR = DATA_DIR / "cache" / "clean"
PASSAGE_CACHE_DIR = DATA_DIR / "cache" / "passages"
TOPICS_CACHE_DIR = DATA_DIR / "cache" / "topics"
STANCE_CACHE_DIR = DATA_DIR / "cache" / "stance"
ACTORS_CACHE_DIR = DATA_DIR / "cache" / "actors"
REPORT_CACHE_DIR = DATA_DIR / "cache" / "report"
REPORTS_DIR = PROJECT_ROOT / "reports"
METRICS_DIR = PROJECT_ROOT / "metrics"
MODELS_DIR = PROJECT_ROOT / "models"
#: Inputs and outputs of single stages, named here so that every path is in one place.
ACTORS_FILE = CORPORA_DIR / "actors.yaml"                       # actor registry (stage actors)
NARRATIVES_FILE = CORPORA_DIR / "narratives.yaml"               # narrative taxonomy (issue 19)
MODEL_NAMES_FILE = CORPORA_DIR / "model_names.yaml"             # model and product names (stage topics)
ORGANISATION_HANDLES_FILE = CORPORA_DIR / "organisation_handles.yaml"  # accounts kept by pseudonymisation (clean)
PERSON_NAMES_FILE = CORPORA_DIR / "person_names.yaml"           # people named bare that the account rules miss (clean)
STANCE_LABEL_FILE = CORPORA_DIR / "labels" / "stance_v1.jsonl"  # stance training labels
RELEVANCE_LABEL_FILE = CORPORA_DIR / "labels" / "relevance_v1.jsonl"  # documents the query drops (clean: admission)
# documents the classifier admitted, read afterwards (clean: admission's precision by reading; never trained on)
ADMITTED_CHECK_FILE = CORPORA_DIR / "labels" / "admitted_check_v1.jsonl"
QUOTE_GOLD_FILE = CORPORA_DIR / "labels" / "quotes_v1.jsonl"    # quote attribution gold set
QUOTE_STANCE_LABEL_FILE = CORPORA_DIR / "labels" / "quote_stance_v1.jsonl"  # quotes read for their stance (actors)
STANCE_PASSAGE_LABEL_FILE = CORPORA_DIR / "labels" / "stance_passages_v1.jsonl"        # passage stance labels
NARRATIVE_PASSAGE_LABEL_FILE = CORPORA_DIR / "labels" / "narratives_passages_v1.jsonl"  # passage narrative labels
STANCE_MODEL_FILE = MODELS_DIR / "stance.skops"                 # written by stance, read by actors
QUOTE_CACHE_FILE = DATA_DIR / "cache" / "quote_embeddings.duckdb"  # quote vectors (stage actors)
TEXT_CACHE_FILE = DATA_DIR / "cache" / "text_embeddings.duckdb"  # label and claim texts (stance, narratives)
TOPIC_MODEL_DIR = MODELS_DIR / "topics" / "bertopic"            # BERTopic, safetensors (stage topics)
KEY_REGISTRY_FILE = MODELS_DIR / "topics" / "keys.json"         # stable topic keys (tracked in git)
PARAMS_FILE = PROJECT_ROOT / "params.yaml"
#: Schema files, one folder per stage database (``sql/<stage>/NNN_name.sql``).
SQL_DIR = Path(__file__).resolve().parent / "sql"


class ConfigError(ValueError):
    """A configuration file (``params.yaml``, ``sources.yaml``) is malformed.

    The message names the file, the entry and the key at fault.
    """


def load_params(stage: str, *, path: Path | None = None, include: tuple[str, ...] = ()) -> dict[str, Any]:
    """Return the ``stage`` section of ``params.yaml``.

    Args:
        stage: top-level key in ``params.yaml`` (``"scrape"``, ``"clean"`` …).
        path: alternative params file; defaults to :data:`PARAMS_FILE`.
        include: shared sections added under their own key
            (``load_params("clean", include=("relevance",))["relevance"]``).

    Returns:
        The section as a dict (a fresh copy on every call).

    Raises:
        ConfigError: the file is not valid YAML or has no such section.
    """
    path = path or PARAMS_FILE
    try:
        params = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    for name in (stage, *include):
        if not isinstance(params, dict) or not isinstance(params.get(name), dict):
            raise ConfigError(f"{path}: missing section '{name}:'")
    section = dict(params[stage])
    for name in include:
        if name in section:
            raise ConfigError(f"{path}: section '{stage}:' has a key '{name}' that shadows the shared section")
        section[name] = dict(params[name])
    return section


@functools.lru_cache(maxsize=65536)
def relative_to_corpora(path: Path, *, root: Path | None = None) -> str:
    """Return ``path`` relative to ``corpora/`` as a POSIX string.

    ``root`` overrides the ``corpora/`` folder (a sliced copy in tests).
    Used for the ``source_file`` column, so the warehouse never stores an
    absolute, machine-specific path. Paths outside ``corpora/`` are returned
    as given (absolute, POSIX). Memoised: a file of 6,000 records asked for
    its path per record, and resolving it took 2 s of reading that source.
    """
    try:
        return Path(path).resolve().relative_to((root or CORPORA_DIR).resolve()).as_posix()
    except ValueError:
        return Path(path).resolve().as_posix()
