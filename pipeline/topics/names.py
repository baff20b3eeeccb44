"""Names of companies, labs, models and products, kept out of the discovery
topics' words and labels (issue 19, part 4).

One list serves two jobs: the topic vectorizer's token pattern skips these
words (:func:`name_free_token_pattern`), and ``metrics/topics.json`` reports
the share of label words that are names (:func:`name_share`). The list is
data: the aliases of the actors of ``corpora/actors.yaml`` whose kind is in
``name_kinds`` of ``corpora/model_names.yaml`` (their words, and each alias
run together without its punctuation: "Z.ai" gives "zai"), plus that file's
``models`` and ``patterns`` (:func:`load_names`).

A word is a name when the whole word is a name, a name followed by a
version (a digit or ``_`` and what follows: ``qwen3``, ``deepseek_ai``,
``gemma2``), names run together (``deepseekr1``) or followed by ``ai``
(``deepseekai``), or any of these with a plural ``s``. Words are compared in lower case.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from pipeline.config import ACTORS_FILE, MODEL_NAMES_FILE, ConfigError

#: Words of an alias: the topic vectorizer's words (2+ word characters).
_WORD = re.compile(r"(?u)\b\w\w+\b")


@dataclass(frozen=True)
class Names:
    """The name list.

    Attributes:
        words: lower-case name words, sorted.
        patterns: regular expressions a whole word may match, in file order.
        regex: the alternation matching one name word
            (:func:`name_regex`), without anchors.
    """

    words: tuple[str, ...]
    patterns: tuple[str, ...]
    regex: str

    @property
    def digest(self) -> str:
        """sha256 (first 12 hex digits) of the regex: a fit depends on it."""
        return hashlib.sha256(self.regex.encode()).hexdigest()[:12]

    def is_name(self, word: str) -> bool:
        """Whether ``word`` (one token) is a name, in any case."""
        return _fullmatch(self.regex)(word.lower()) is not None


_COMPILED: dict[str, re.Pattern[str]] = {}


def _fullmatch(regex: str):  # noqa: ANN202 - the bound method of a compiled pattern
    if regex not in _COMPILED:
        _COMPILED[regex] = re.compile(rf"(?:{regex})")
    return _COMPILED[regex].fullmatch


def name_regex(words: Iterable[str], patterns: Sequence[str]) -> str:
    """One name word: ``(name)(version or name or ai)*s?``, where ``name`` is any
    of ``words`` (longest first) or ``patterns``, and a version is a digit
    or ``_`` followed by word characters."""
    alts = "|".join([re.escape(w) for w in sorted(set(words), key=lambda w: (-len(w), w))]
                    + [f"(?:{p})" for p in patterns])
    return rf"(?:{alts})(?:[\d_]\w*|(?:{alts})|ai)*s?"


def load_names(model_file: Path = MODEL_NAMES_FILE, actors_file: Path = ACTORS_FILE) -> Names:
    """Read the name list.

    Words are the lower-case words (:data:`_WORD`) of every alias and
    canonical name of the actors whose kind is in ``name_kinds``, except
    ``not_names`` and scikit-learn's English stop words, plus ``models``.

    Raises:
        ConfigError: ``model_file`` is not YAML, lacks ``name_kinds``,
            ``models`` or ``patterns``, or holds a pattern that is not a
            regular expression (the message names the file and the entry);
            ``actors_file`` is malformed
            (:func:`pipeline.actors.registry.load_actors`).
    """
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    from pipeline.actors.registry import load_actors

    try:
        data = yaml.safe_load(model_file.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{model_file}: not valid YAML: {exc}") from exc
    for key in ("name_kinds", "models", "patterns"):
        if not isinstance(data.get(key), list):
            raise ConfigError(f"{model_file}: `{key}` must be a list")
    patterns = tuple(str(p) for p in data["patterns"])
    for n, p in enumerate(patterns, 1):
        try:
            re.compile(p)
        except re.error as exc:
            raise ConfigError(f"{model_file}: patterns[{n}] {p!r}: {exc}") from exc
    skip = {str(w).lower() for w in data.get("not_names") or []} | set(ENGLISH_STOP_WORDS)
    kinds = set(data["name_kinds"])
    words = {str(m).lower() for m in data["models"]}
    for actor in load_actors(actors_file):
        if actor.kind in kinds:
            aliases = [a.lower() for a in (actor.actor, *actor.aliases)]
            words |= {w for alias in aliases for w in _WORD.findall(alias) if w not in skip and not w.isdigit()}
            # an alias run together without its punctuation ("Z.ai" -> "zai", as in "zai-org/GLM-4.5")
            words |= {j for j in (re.sub(r"\W", "", a) for a in aliases if re.search(r"\W", a))
                      if len(j) > 2 and j not in skip and not j.isdigit()}
    return Names(tuple(sorted(words)), patterns, name_regex(words, patterns))


def name_free_token_pattern(base: str, names: Names) -> str:
    """``base`` (a CountVectorizer ``token_pattern`` starting ``(?u)\\b``)
    with a lookahead that skips name words: the vectorizer then never sees
    them, so they are in no topic word, label or 2-gram."""
    prefix = r"(?u)\b"
    if not base.startswith(prefix):
        raise ValueError(f"token pattern {base!r} does not start with {prefix!r}")
    return rf"{prefix}(?!{names.regex}\b){base[len(prefix):]}"


def label_words(labels: Iterable[str]) -> list[str]:
    """The words of topic labels (``"using deepseek, deepseek good"`` →
    ``using, deepseek, deepseek, good``): each label split on commas and
    white space."""
    return [w for label in labels for term in str(label).split(",") for w in term.split()]


def name_share(labels: Iterable[str], names: Names) -> tuple[float | None, int, int]:
    """Share of label words that are names.

    Returns:
        ``(share, n_name_words, n_words)``; ``share`` rounded to 4 places,
        ``None`` when there is no word.
    """
    words = label_words(labels)
    n = sum(names.is_name(w) for w in words)
    return (round(n / len(words), 4) if words else None), n, len(words)
