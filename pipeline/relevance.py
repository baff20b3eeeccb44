"""Relevance of a document to the debate: a weighted term query.

The query lives in ``params.yaml`` (``relevance``) as phrases with
weights, so every score can be explained by the phrases it matched:

    relevance = min(1, sum of the weights of the distinct phrases found)

Matching is case-insensitive, on word boundaries, with hyphens read as spaces
("open-weight" matches "open weight"). A phrase ending in ``*`` matches any
word continuation ("export control*" matches "export controls").

Speed: when a phrase's first word is ASCII, a match can only start where
that word occurs in the lower-cased text, so the term's pattern is tried
anchored at those offsets only (``str.find``, then ``Pattern.match``)
instead of at every offset. This holds when lower-casing keeps every offset
(``len(text.lower()) == len(text)``) and the text has none of
:data:`CASE_EXCEPTIONS`, the only non-ASCII characters that Python's
case-insensitive matching equates with an ASCII letter while ``str.lower``
does not map them to it (tested against every code point). Other texts
search the whole text. Both give the same matches.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Non-ASCII characters that ``re.IGNORECASE`` matches to an ASCII letter but
#: that ``str.lower`` does not turn into it: dotted capital I, dotless i,
#: long s (found by testing every code point; ``tests/test_relevance.py``).
CASE_EXCEPTIONS = "\u0130\u0131\u017f"


@dataclass(frozen=True)
class RelevanceQuery:
    """A compiled relevance query.

    Attributes:
        terms: ``(phrase, weight, pattern)`` triples.
        threshold: score at or above which a document is relevant.
        needles: per term, the first word of its pattern when that word
            is ASCII, else ``None``: where a match can start (see
            the module docstring). Empty: every pattern searches the text.
    """

    terms: tuple[tuple[str, float, re.Pattern[str]], ...]
    threshold: float
    needles: tuple[str | None, ...] = ()

    @classmethod
    def from_params(cls, params: dict) -> RelevanceQuery:
        """Build from ``{"threshold": float, "terms": {phrase: weight}}``.

        Raises:
            ValueError: no terms, a non-numeric weight, or a threshold
                outside (0, 1].
        """
        terms = params.get("terms") or {}
        threshold = float(params.get("threshold", 0.5))
        if not terms:
            raise ValueError("relevance.terms is empty: the relevance query needs phrases")
        if not 0 < threshold <= 1:
            raise ValueError(f"relevance.threshold must be in (0, 1], got {threshold}")
        compiled = []
        for phrase, weight in terms.items():
            if not isinstance(weight, (int, float)):
                raise ValueError(f"relevance.terms[{phrase!r}]: weight must be a number, got {weight!r}")
            compiled.append((phrase, float(weight), _compile(phrase)))
        return cls(tuple(compiled), threshold, tuple(_needle(phrase) for phrase in terms))

    def score(self, text: str) -> tuple[float, list[str]]:
        """Score one text.

        Returns:
            ``(relevance, matched)``: relevance in [0, 1] (rounded to 4
            places) and the matched phrases in query order.
        """
        probe = text.replace("-", " ")
        lowered = probe.lower() if self.needles else None
        if lowered is not None and (len(lowered) != len(probe) or (
                not probe.isascii() and any(c in probe for c in CASE_EXCEPTIONS))):
            lowered = None
        matched, total = [], 0.0
        for i, (phrase, weight, pattern) in enumerate(self.terms):
            needle = self.needles[i] if lowered is not None else None
            if needle is None:
                found = pattern.search(probe) is not None
            else:
                found, start = False, lowered.find(needle)
                while start >= 0 and not found:
                    found = pattern.match(probe, start) is not None
                    start = lowered.find(needle, start + 1)
            if found:
                matched.append(phrase)
                total += weight
        return round(min(1.0, total), 4), matched


def _words(phrase: str) -> tuple[list[str], bool]:
    """A phrase's words as its pattern matches them (hyphens read as spaces,
    lower-cased, the last word's trailing ``*`` removed), and whether the
    last word had one (a word continuation).

    Raises:
        IndexError: the phrase has no word.
    """
    words = phrase.replace("-", " ").lower().split()
    prefix = words[-1].endswith("*")
    words[-1] = words[-1].rstrip("*")
    return words, prefix


def _needle(phrase: str) -> str | None:
    """The first word of the phrase's pattern (:func:`_words`), where every
    match starts; ``None`` when it is not ASCII or empty."""
    word = _words(phrase)[0][0]
    return word if word and word.isascii() else None


def _compile(phrase: str) -> re.Pattern[str]:
    words, prefix = _words(phrase)
    body = r"\s+".join(re.escape(w) for w in words)
    tail = r"\w*" if prefix else r"\b"
    return re.compile(rf"(?<!\w){body}{tail}", re.IGNORECASE)
