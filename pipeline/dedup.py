"""Exact and near-duplicate detection.

Exact duplicates share the sha256 of their normalised text. Near-duplicates
are found with MinHash over word 5-gram shingles and locality-sensitive
hashing (Broder 1997; datasketch's ``MinHashLSH``). Documents are visited in
corpus order, so the first seen document is the canonical one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from datasketch import LeanMinHash, MinHash, MinHashLSH

_WORD = re.compile(r"\w+")


def shingles(text: str, *, size: int) -> set[bytes]:
    """Return the set of ``size``-word shingles of ``text`` (lower-cased,
    ``\\w+`` tokens), UTF-8 encoded; empty when the text has fewer words."""
    words = _WORD.findall(text.lower())
    return {" ".join(words[i:i + size]).encode("utf-8") for i in range(len(words) - size + 1)}


def signatures(texts: Sequence[str], *, num_perm: int, shingle_size: int, min_words: int, seed: int
               ) -> list[LeanMinHash | None]:
    """MinHash signature of each text's word shingles (datasketch
    ``MinHash.bulk``, one permutation set for all).

    Returns:
        One :class:`datasketch.LeanMinHash` (``num_perm`` hash values; a
        picklable, read-only MinHash) per text, or ``None`` for a text of
        fewer than ``min_words`` words (checked for exact duplicates only).
    """
    long = [i for i, t in enumerate(texts) if len(_WORD.findall(t)) >= min_words]
    out: list[LeanMinHash | None] = [None] * len(texts)
    if long:
        sets = [shingles(texts[i], size=shingle_size) for i in long]
        for i, mh in zip(long, MinHash.bulk(sets, num_perm=num_perm, seed=seed)):
            out[i] = LeanMinHash(mh)
    return out


def find_duplicates(texts: Sequence[str], content_hashes: Sequence[str], *, threshold: float,
                    num_perm: int, shingle_size: int, min_words: int, seed: int,
                    precomputed: Sequence[LeanMinHash | None] | None = None
                    ) -> list[tuple[int | None, str | None]]:
    """Assign each document its canonical earlier twin, if any.

    Args:
        texts: normalised texts, in corpus order (length n).
        content_hashes: sha256 of each text (length n).
        threshold: estimated Jaccard similarity of shingle sets at or above
            which two documents are near-duplicates (0–1).
        num_perm: MinHash permutations (more is more precise and slower).
        shingle_size: words per shingle.
        min_words: texts with fewer words are only checked for exact
            duplicates (short posts and titles share too few shingles).
        seed: MinHash seed, for deterministic re-runs.
        precomputed: the :func:`signatures` of ``texts`` with the
            same parameters (a cache's); computed here when ``None``.

    Returns:
        n pairs ``(index_of_canonical, kind)``: ``(None, None)`` for a
        canonical document, else the index of the first-seen document it
        duplicates and ``"exact"`` or ``"near"``.

    Raises:
        ValueError: the sequences differ in length.
    """
    if len(texts) != len(content_hashes) or (precomputed is not None and len(precomputed) != len(texts)):
        raise ValueError(f"texts ({len(texts)}), content_hashes ({len(content_hashes)}) and signatures "
                         f"({'-' if precomputed is None else len(precomputed)}) differ in length")
    result: list[tuple[int | None, str | None]] = [(None, None)] * len(texts)
    first_by_hash: dict[str, int] = {}
    candidates: list[int] = []
    for i, digest in enumerate(content_hashes):
        if digest in first_by_hash:
            result[i] = (first_by_hash[digest], "exact")
            continue
        first_by_hash[digest] = i
        candidates.append(i)
    if precomputed is None:
        sigs = signatures([texts[i] for i in candidates], num_perm=num_perm, shingle_size=shingle_size,
                          min_words=min_words, seed=seed)
    else:
        sigs = [precomputed[i] for i in candidates]
    pairs = [(i, mh) for i, mh in zip(candidates, sigs) if mh is not None]
    if not pairs:
        return result
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    inserted: dict[int, LeanMinHash] = {}
    for i, mh in pairs:
        # LSH returns candidates; confirm with the estimated Jaccard and keep
        # the earliest confirmed document as the canonical one.
        canonical = next((j for j in sorted(lsh.query(mh)) if inserted[j].jaccard(mh) >= threshold), None)
        if canonical is None:
            lsh.insert(i, mh)
            inserted[i] = mh
        else:
            result[i] = (canonical, "near")
    return result


_LINK = re.compile(r"https?://\S+")
_LEADING_MENTIONS = re.compile(r"^(?:@\S+\s+)+")


def copy_key(text: str) -> str:
    """The text of a post as a copy-paste campaign repeats it: leading reply
    ``@mentions`` and links (each copy gets its own t.co link) dropped,
    lower-cased ``\\w+`` words joined by one space."""
    return " ".join(_WORD.findall(_LINK.sub(" ", _LEADING_MENTIONS.sub("", text)).lower()))


def find_copies(authors: Sequence[str | None], texts: Sequence[str], *, min_words: int) -> list[int | None]:
    """Copy-paste campaigns: the same post text by one account again and again.

    Args:
        authors: each document's author (length n); ``None`` is nobody's post.
        texts: normalised texts, in corpus order (length n).
        min_words: a :func:`copy_key` of fewer words is never a copy (two
            replies "Yes" by one account are two answers).

    Returns:
        n entries: ``None``, or the index of the first document by the same
        author with the same :func:`copy_key` (exact text match: the
        X export's reply spam differs only in whom it replies to).

    Raises:
        ValueError: the sequences differ in length.
    """
    if len(authors) != len(texts):
        raise ValueError(f"authors ({len(authors)}) and texts ({len(texts)}) differ in length")
    first: dict[tuple[str, str], int] = {}
    out: list[int | None] = [None] * len(texts)
    for i, (author, text) in enumerate(zip(authors, texts)):
        key = copy_key(text)
        if author is None or len(key.split()) < min_words:
            continue
        out[i] = first.setdefault((author, key), i)
        if out[i] == i:
            out[i] = None
    return out
