"""Relevance of a document to the debate: a weighted term query.

The query lives in ``params.yaml`` (``clean.relevance``) as phrases with
weights, so every score can be explained by the phrases it matched:

    relevance = min(1, sum of the weights of the distinct phrases found)

Matching is case-insensitive, on word boundaries, with hyphens read as spaces
("open-weight" matches "open weight"). A phrase ending in ``*`` matches any
word continuation ("export control*" matches "export controls").
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class RelevanceQuery:
    """A compiled relevance query.

    Attributes:
        terms: ``(phrase, weight, pattern)`` triples.
        threshold: score at or above which a document is relevant.
    """

    terms: tuple[tuple[str, float, re.Pattern[str]], ...]
    threshold: float

    @classmethod
    def from_params(cls, params: dict) -> "RelevanceQuery":
        """Build from ``{"threshold": float, "terms": {phrase: weight}}``.

        Raises:
            ValueError: no terms, a non-numeric weight, or a threshold
                outside (0, 1].
        """
        terms = params.get("terms") or {}
        threshold = float(params.get("threshold", 0.5))
        if not terms:
            raise ValueError("clean.relevance.terms is empty: the relevance query needs phrases")
        if not 0 < threshold <= 1:
            raise ValueError(f"clean.relevance.threshold must be in (0, 1], got {threshold}")
        compiled = []
        for phrase, weight in terms.items():
            if not isinstance(weight, (int, float)):
                raise ValueError(f"clean.relevance.terms[{phrase!r}]: weight must be a number, got {weight!r}")
            compiled.append((phrase, float(weight), _compile(phrase)))
        return cls(tuple(compiled), threshold)

    def score(self, text: str) -> tuple[float, list[str]]:
        """Score one text.

        Returns:
            ``(relevance, matched)``: relevance in [0, 1] (rounded to 4
            places) and the matched phrases in query order.
        """
        probe = text.replace("-", " ")
        matched = [phrase for phrase, _, pattern in self.terms if pattern.search(probe)]
        weights = {phrase: weight for phrase, weight, _ in self.terms}
        return round(min(1.0, sum(weights[p] for p in matched)), 4), matched


def _compile(phrase: str) -> re.Pattern[str]:
    words = phrase.replace("-", " ").lower().split()
    prefix = words[-1].endswith("*")
    words[-1] = words[-1].rstrip("*")
    body = r"\s+".join(re.escape(w) for w in words)
    tail = r"\w*" if prefix else r"\b"
    return re.compile(rf"(?<!\w){body}{tail}", re.IGNORECASE)
