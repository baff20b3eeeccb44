"""The narrative taxonomy: ``corpora/narratives.yaml`` read, checked and typed.

The file holds the narrative codebook (``../shared/NARRATIVES.md``) as data:
a ``codebook`` block (version, pointer to the document) and a ``narratives``
list, one entry per claim with ``key``, ``claim``, ``cues``, ``exclusions``,
``side`` and, optionally, ``notes`` and ``catch_all``. The format is described
in ``docs/narratives.md`` and at the head of the file itself. Nothing here
names a narrative: another debate is another file.

:func:`load_narratives` fails fast on the first fault, with a
:class:`~pipeline.config.ConfigError` naming the file, the line, the entry
(index and key) and the key at fault. :func:`zero_shot_texts` gives the text
that the cold-start mode embeds for each narrative.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from pipeline.config import NARRATIVES_FILE, ConfigError

#: Narrative keys: lower-case dotted ids ("risk.security", "other"); they are stored in tables.
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")
#: Keys every entry must have (``side`` may be null, but must be written).
REQUIRED_KEYS = ("key", "claim", "cues", "exclusions", "side")
#: Keys an entry may have besides the required ones.
OPTIONAL_KEYS = ("notes", "catch_all")
#: Keys of the top-level ``codebook:`` block.
CODEBOOK_KEYS = ("version", "document")
#: A narrative key cited in backticks inside ``exclusions`` or ``notes`` (`china.*` is a prefix).
_REFERENCE = re.compile(r"`([^`]+)`")


@dataclass(frozen=True)
class Narrative:
    """One narrative (a recurring claim) of the taxonomy.

    Attributes:
        key: the id stored in tables ("risk.security").
        claim: what a passage states or relays as a point for the narrative to be present.
        cues: typical wordings, in file order (may be empty).
        exclusions: what is not this narrative, in file order.
        side: the stance label (``params.yaml`` ``stance.labels``) the
            narrative usually serves, or ``None`` when it serves no one side.
        notes: codebook tie-breaks concerning this narrative, quoted.
        catch_all: the residual class for on-topic claims that fit no other
            narrative (the codebook's ``other``); it has no claim to match.
    """

    key: str
    claim: str
    cues: tuple[str, ...]
    exclusions: tuple[str, ...]
    side: str | None
    notes: tuple[str, ...] = ()
    catch_all: bool = False


@dataclass(frozen=True)
class Taxonomy:
    """The whole file: the codebook it transcribes and its narratives in file order."""

    path: Path
    codebook_version: str
    codebook_document: str
    narratives: tuple[Narrative, ...]

    @property
    def keys(self) -> tuple[str, ...]:
        """Narrative keys in file order."""
        return tuple(n.key for n in self.narratives)

    def __getitem__(self, key: str) -> Narrative:
        for n in self.narratives:
            if n.key == key:
                return n
        raise KeyError(f"{self.path}: no narrative {key!r}; keys: {list(self.keys)}")


def load_narratives(path: Path = NARRATIVES_FILE, *, sides: Iterable[str]) -> Taxonomy:
    """Read and check the narrative taxonomy.

    Args:
        path: the taxonomy file (default ``corpora/narratives.yaml``).
        sides: the allowed ``side`` values: the stance labels, i.e. the keys
            of ``params.yaml`` ``stance.labels`` (a dict iterates its keys).

    Returns:
        The :class:`Taxonomy`, narratives in file order.

    Raises:
        ConfigError: the file cannot be read or is not YAML; the top level is
            not ``codebook:`` plus a non-empty ``narratives:`` list; or an
            entry is not a mapping, misses a required key, has an unknown key,
            a key of the wrong type, an empty ``claim``, a malformed or
            repeated ``key``, a ``side`` outside ``sides``, a second
            ``catch_all``, or a backticked reference in ``exclusions`` or
            ``notes`` that names no key of the file. The message starts
            ``<file>:<line>: narratives[<index>] (key: <key>): key '<name>'``.
    """
    allowed = tuple(sides)
    try:
        text = path.read_text(encoding="utf-8")
        doc = yaml.safe_load(text)
        lines = _lines(text)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(doc, dict) or set(doc) != {"codebook", "narratives"}:
        found = sorted(doc) if isinstance(doc, dict) else type(doc).__name__
        raise ConfigError(f"{path}: expected exactly the top-level keys 'codebook' and 'narratives', found {found}")
    version, document = _codebook(doc["codebook"], path, lines)
    entries = doc["narratives"]
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"{path}:{lines.get(('narratives',), '?')}: key 'narratives' must be a non-empty list")
    narratives: list[Narrative] = []
    first: dict[str, int] = {}
    for index, entry in enumerate(entries):
        narrative = _entry(entry, index, allowed, path, lines)
        if narrative.key in first:
            raise _fault(path, lines, index, narrative.key, "key",
                         f"repeats narratives[{first[narrative.key]}]")
        if narrative.catch_all and any(n.catch_all for n in narratives):
            other = next(n.key for n in narratives if n.catch_all)
            raise _fault(path, lines, index, narrative.key, "catch_all",
                         f"a second catch-all class; {other!r} is one already")
        first[narrative.key] = index
        narratives.append(narrative)
    if all(n.catch_all for n in narratives):
        raise ConfigError(f"{path}: every narrative is a catch-all; at least one needs a claim of its own")
    for index, n in enumerate(narratives):
        for name in ("exclusions", "notes"):
            for ref in (r for item in getattr(n, name) for r in _REFERENCE.findall(item)):
                if not _refers(ref, first):
                    raise _fault(path, lines, index, n.key, name,
                                 f"cites `{ref}`, which names no narrative of this file (rename it here too)")
    return Taxonomy(path, version, document, tuple(narratives))


def zero_shot_texts(taxonomy: Taxonomy) -> dict[str, str]:
    """The text the cold-start (zero-shot) mode embeds for each narrative.

    Returns:
        key → ``"<claim> <cue>; <cue>; …"`` in file order, for every
        narrative except the catch-all, which has no claim of its own: a
        passage carries it when it is on topic and matches no other
        narrative, so zero-shot leaves it to the stage's threshold.
    """
    return {n.key: " ".join([n.claim, "; ".join(n.cues)]).strip()
            for n in taxonomy.narratives if not n.catch_all}


def anchor_texts(taxonomy: Taxonomy) -> list[tuple[int, str]]:
    """The texts of the classifier's similarity features (:class:`pipeline.narratives.model.Anchors`):
    ``(group, text)`` pairs, one group per claim (its claim text), then one per
    narrative with cues (its cues; the feature is the closest cue). The
    catch-all has no claim and is left out; groups are numbered in file order.
    """
    claims = [n for n in taxonomy.narratives if not n.catch_all]
    out = [(g, n.claim) for g, n in enumerate(claims)]
    for n in (n for n in claims if n.cues):
        g = out[-1][0] + 1
        out += [(g, cue) for cue in n.cues]
    return out


def _codebook(block: Any, path: Path, lines: dict[tuple, int]) -> tuple[str, str]:
    """``(version, document)`` of the ``codebook:`` block, checked."""
    where = f"{path}:{lines.get(('codebook',), '?')}: codebook"
    if not isinstance(block, dict):
        raise ConfigError(f"{where}: expected a mapping with keys {list(CODEBOOK_KEYS)}")
    unknown = sorted(set(block) - set(CODEBOOK_KEYS), key=str)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {unknown}; allowed: {list(CODEBOOK_KEYS)}")
    for key in CODEBOOK_KEYS:
        if not isinstance(block.get(key), str) or not block[key].strip():
            raise ConfigError(f"{where}: key '{key}' must be a non-empty string, got {block.get(key)!r}")
    return block["version"].strip(), block["document"].strip()


def _entry(entry: Any, index: int, allowed: tuple[str, ...], path: Path, lines: dict[tuple, int]) -> Narrative:
    """One checked :class:`Narrative` from the ``index``-th list item."""
    if not isinstance(entry, dict):
        raise ConfigError(f"{path}:{lines.get((index,), '?')}: narratives[{index}]: "
                          f"expected a mapping, got {type(entry).__name__}")
    key = entry.get("key")
    label = key if isinstance(key, str) else "?"
    missing = [k for k in REQUIRED_KEYS if k not in entry]
    unknown = [k for k in entry if k not in REQUIRED_KEYS + OPTIONAL_KEYS]
    if missing:
        typo = f"; unknown key(s) {unknown}" if unknown else ""
        raise _fault(path, lines, index, label, missing[0], f"is missing (required: {list(REQUIRED_KEYS)}){typo}")
    if unknown:
        raise _fault(path, lines, index, label, unknown[0],
                     f"is not a known key; allowed: {list(REQUIRED_KEYS + OPTIONAL_KEYS)}")
    if not isinstance(key, str) or not KEY_PATTERN.match(key):
        raise _fault(path, lines, index, label, "key",
                     f"must be a lower-case dotted id like 'risk.security', got {key!r}")
    claim = entry["claim"]
    if not isinstance(claim, str) or not claim.strip():
        raise _fault(path, lines, index, key, "claim", f"must be a non-empty string, got {claim!r}")
    lists = {name: _strings(entry.get(name, []), path, lines, index, key, name)
             for name in ("cues", "exclusions", "notes")}
    side = entry["side"]
    if side is not None and (not isinstance(side, str) or side not in allowed):
        raise _fault(path, lines, index, key, "side",
                     f"is {side!r}; expected one of the stance labels {list(allowed)} or null")
    catch_all = entry.get("catch_all", False)
    if not isinstance(catch_all, bool):
        raise _fault(path, lines, index, key, "catch_all", f"must be true or false, got {catch_all!r}")
    return Narrative(key, " ".join(claim.split()), lists["cues"], lists["exclusions"], side,
                     lists["notes"], catch_all)


def _strings(value: Any, path: Path, lines: dict[tuple, int], index: int, key: str,
             name: str) -> tuple[str, ...]:
    """``value`` as a tuple of non-empty, whitespace-normalised strings."""
    if not isinstance(value, list):
        raise _fault(path, lines, index, key, name, f"must be a list of strings, got {type(value).__name__}")
    for i, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            raise _fault(path, lines, index, key, name,
                         f"item {i} must be a non-empty string, got {type(item).__name__} {item!r} "
                         "(quote it in YAML)")
    return tuple(" ".join(item.split()) for item in value)


def _refers(ref: str, keys: dict[str, int]) -> bool:
    """Whether a backticked reference names a key (``prefix.*``: any key under the prefix)."""
    if ref.endswith(".*"):
        return any(k.startswith(ref[:-1]) for k in keys)
    return ref in keys


def _fault(path: Path, lines: dict[tuple, int], index: int, label: str, name: str, message: str) -> ConfigError:
    """The error for key ``name`` of entry ``index`` (at that key's line, else the entry's)."""
    line = lines.get((index, name), lines.get((index,), "?"))
    return ConfigError(f"{path}:{line}: narratives[{index}] (key: {label}): key '{name}' {message}")


def _lines(text: str) -> dict[tuple, int]:
    """1-based line numbers from the YAML nodes of ``text``.

    Returns:
        ``(top_key,)`` → line of a top-level key; ``(index,)`` → line of the
        ``index``-th ``narratives`` item; ``(index, key)`` → line of that
        item's key. Missing where the structure is not the expected one.
    """
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    out: dict[tuple, int] = {}
    if not isinstance(root, yaml.MappingNode):
        return out
    for top, value in root.value:
        out[(top.value,)] = top.start_mark.line + 1
        if top.value != "narratives" or not isinstance(value, yaml.SequenceNode):
            continue
        for index, item in enumerate(value.value):
            out[(index,)] = item.start_mark.line + 1
            if isinstance(item, yaml.MappingNode):
                for k, _ in item.value:
                    out[(index, k.value)] = k.start_mark.line + 1
    return out
