"""Quote attribution rules (issue 6): who says what in a text.

From spaCy's dependency parse and speech-verb cues: direct quotes
(``"…," said X``, ``X said: "…"``, ``"…" X wrote``), reported speech
(``X warned that …``: the verb's ``ccomp`` clause), ``according to X, …``
and transcript turns (``NAME: text`` at a line start). A pronoun speaker
(he, she, they, it) is resolved to the most recent person (he/she) or
organisation (it/they) actor mentioned before it in the document.

:class:`QuoteFinder` is a plain class over a spaCy pipeline with the actor
ruler (:func:`pipeline.actors.registry.load_nlp`), not a pipeline component:
its state runs across the passages of a document (the speakers named so far,
the document's author), which a component, called batch by batch and
possibly in other processes by ``nlp.pipe``, would not see.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pipeline.actors.history import SOMEONE, THING, History
from pipeline.actors.recap_meta import RECAP_META as _RECAP_META
from pipeline.actors.registry import Actor, actor_in, name_actor
from pipeline.actors.roles import role_holder
from pipeline.actors.spans import (
    COMMENTER_HEADS,
    adjacent,
    former,
    hypothetical,
    names_speaker,
    negated,
    no_speaker,
    own_phrase,
    participle,
    product_speaks,
    reported_clause,
    segment,
    speaker_span,
    titled,
    within,
)
from pipeline.actors.transcripts import attribute_turns
from pipeline.privacy import organisation_accounts
from pipeline.pseudonyms import PSEUDONYM

#: Lemmas of verbs that introduce speech (after the attribution-cue lists of
#: Pareti 2016, "PARC 3.0", and Newell et al. 2018, "Attributing Quotations").
SPEECH_LEMMAS = frozenset({
    "say", "tell", "write", "warn", "argue", "add", "note", "claim", "explain", "insist", "predict", "state",
    "announce", "urge", "caution", "acknowledge", "suggest", "stress", "declare", "contend", "assert", "believe",
    "maintain", "emphasize", "emphasise", "observe", "remark", "reply", "respond", "testify", "post", "tweet",
    "complain", "concede", "admit", "recall", "describe", "call", "think", "worry", "fear", "hope", "estimate",
    # session 30, from the misses of the quote gold set ("Axios reports that …", "Zuckerberg hinted that …")
    "report", "allege", "hint", "mention", "reveal", "confirm", "clarify", "reiterate", "scoff", "echo"})
#: Heads of "the company said"-style speakers, resolved like "it" to the last organisation named, and the actor
#: kinds each may take (``None``: any): "The company says …" after "the Trump Administration" is not the White House.
_FIRMS = frozenset({"company", "lab"})  # an unlisted ORG stands in as kind "company" (QuoteFinder.mentions)
_STATES = frozenset({"government", "legislature"})
NOMINAL_ORGS: dict[str, frozenset[str] | None] = {
    "company": _FIRMS, "firm": _FIRMS, "startup": _FIRMS, "lab": _FIRMS, "laboratory": _FIRMS, "developer": _FIRMS,
    "maker": _FIRMS, "agency": _STATES, "department": _STATES, "ministry": _STATES, "government": _STATES,
    "administration": _STATES, "group": None}
#: Speech verbs that also mean something else ("adds web search", "calls it"):
#: cues only next to a quotation.
WEAK_LEMMAS = frozenset({"add", "call", "describe", "maintain", "post", "observe"})
#: Shorter quoted or reported text is not a quote ("frontier", "4-bit").
MIN_QUOTE_WORDS = 3
PRONOUNS = {"he": "person", "she": "person", "him": "person", "her": "person", "they": "org", "it": "org"}
#: The writer speaking: the document's author, never an organisation named before ("We think the market got it
#: wrong" after "DeepSeek sent shock waves …" is the poster's; session-25 review).
FIRST_PERSON = frozenset({"i", "me", "we", "us"})
_QUOTE = re.compile(r"[\"“”]([^\"“”]{2,}?)[\"“”]")
_WORD = re.compile(r"\w+")


def too_short(text: str) -> bool:
    """Whether ``text`` has fewer than :data:`MIN_QUOTE_WORDS` word tokens (``\\w+``): no quotation or
    transcript turn (a reported clause counts spaCy tokens of its span instead)."""
    return len(_WORD.findall(text)) < MIN_QUOTE_WORDS


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


class QuoteFinder:
    """Quote attribution over documents with a spaCy pipeline carrying the
    actor ruler (:func:`pipeline.actors.registry.add_actor_ruler`)."""

    def __init__(self, nlp: Any, actors: list[Actor], handles: dict[str, str] | None = None) -> None:
        """``handles``: organisation accounts (lower-case handle → organisation), by default
        :func:`~pipeline.privacy.organisation_accounts`."""
        self.nlp = nlp
        self.registry = {a.actor: a for a in actors}
        self.handles = organisation_accounts() if handles is None else handles
        #: canonical actor of the current document's author ("I said"), set by the caller
        self.author: str | None = None
        #: whether the current document is a user's post (social, forum): "DeepSeek says" is then the app's output
        self.user_post = False
        self._names: dict[str, str] = {}

    def resolve(self, span: Any, history: list[Actor], context: Any = None) -> str:
        """Canonical actor of a speaker span.

        Only a name that says who the speaker is or speaks for counts
        (:func:`~pipeline.actors.spans.names_speaker`: "the CEO of
        OpenAI", not "Government officials under then-President Joe Biden"
        nor "skepticism about Altman's credibility"). In order: an
        organisation's account ("@Alibaba_Qwen", :attr:`handles`); a listed
        actor named in the span (not a listed person who only modifies an
        unlisted person, "Trump backer Peter Thiel"; a product that speaks is
        ``other:<span>``, :func:`~pipeline.actors.spans.product_speaks`), or
        in ``context`` (the subject's whole subtree, appositions included:
        "Junyang Lin, a researcher at Alibaba" gives Alibaba); an
        organisation named in a phrase of a past role (:func:`former`) does
        not count; "I" or "we" → the document's author (``unknown`` without
        one, :data:`FIRST_PERSON`); a surname or full name of a person named
        earlier in the document (``history``, see :meth:`mentions`); a
        pronoun or "the company" → the last person or organisation named, of
        the kinds :data:`NOMINAL_ORGS` allows; another name → ``other:<name>``
        (a person before an organisation); otherwise ``unknown``.
        """
        text = span.text.strip()
        if text.startswith("@") and text[1:].lower() in self.handles:  # "@Alibaba_Qwen announced"
            return self.actor_of_name(self.handles[text[1:].lower()])
        spans = context if isinstance(context, list) else ([context] if context is not None else [])
        spans = [c for c in spans if not former(c)]
        head = span.root if len(span) else None
        parsed = head is not None and span.doc.has_annotation("DEP")

        def speaks(e: Any) -> bool:  # a name that says who the head is ("the CEO of OpenAI"), not one it talks about
            return not parsed or names_speaker(e, head)
        actor = actor_in(span, self.registry, speaks)
        if actor is not None and parsed and product_speaks(span, head, self.registry, self.user_post):
            return "other:" + " ".join(span.text.split())  # "o3-mini plainly stated …": the model, not OpenAI
        if actor and not actor.is_person and former(span):
            actor = None  # "the former Director of the White House OSTP" does not speak for it
        holder = role_holder(span, head, actor, self.registry) if actor and not actor.is_person and parsed else None
        if holder:
            return holder.actor  # "The CEO of Deepseek", "Anthropic CEO Dario": the listed person in that role
        own = next((e for e in span.ents if e.start <= head.i < e.end), None) if head is not None else None
        if actor and actor.is_person and own is not None and own.label_ == "PERSON" and own.ent_id_ != actor.actor:
            # "Donald Trump backer Peter Thiel", "Trump adviser David Sacks": the head, not a listed modifier
            return own.ent_id_ if own.ent_id_ in self.registry else f"other:{own.text}"
        if actor is None:  # the subject's apposition or own phrase ("Junyang Lin, a researcher at Alibaba")
            actor = next((a for a in (actor_in(c, self.registry, speaks) for c in spans) if a is not None), None)
        if actor:
            return actor.actor
        if text.lower() in FIRST_PERSON:  # the writer: the document's author, else no one named
            return self.author or "unknown"
        people = [e for e in span.ents if e.label_ == "PERSON" and speaks(e)]  # not "… about Altman's credibility"
        key = (people[0].text if people else text).lower()
        for prior in reversed(history):  # "Ng said" after "Andrew Ng"
            if prior.is_person and key in {a.lower() for a in prior.aliases}:
                return prior.actor
        if text.lower() == "it" and head.dep_ == "nsubjpass":
            return "unknown"  # "It was noted that …", "It's believed that …": no one is named
        kind, kinds = PRONOUNS.get(text.lower()), None
        if kind is None and head is not None and head.lemma_.lower() in NOMINAL_ORGS and \
                any(t.lower_ == "the" for t in head.children):
            kind, kinds = "org", NOMINAL_ORGS[head.lemma_.lower()]  # "the company said"
        if kind:
            # the subject of one of the last two sentences (that name someone, for "he", "she" and "the company":
            # History.antecedents), if it is of the right kind; "they" after "Users love DeepSeek." is not DeepSeek
            priors = history.antecedents(kind == "person" or kinds is not None) if isinstance(history, History) else []
            for prior in priors:
                if prior.kind == SOMEONE.kind or prior.kind == THING.kind and kind == "org":
                    return prior.actor  # "A user shared …. They noted …": the commenter (unknown unless an account)
                if (kind == "person") == prior.is_person and (kinds is None or prior.kind in kinds):
                    return prior.actor
            return "unknown"
        names = people if former(span) else people + [e for e in span.ents if e.label_ == "ORG"] + \
            [e for e in span.ents if e.label_ in ("NORP", "GPE") and e.root == head]
        names = [e for e in names if speaks(e)]  # not "officials under … Joe Biden"
        # a speaker that names nobody ("company data published Monday") is unknown
        if names:
            return f"other:{names[0].text}"
        return f"other:{text}" if head is not None and head.pos_ == "PROPN" and not former(span) else "unknown"

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
                if not too_short(sent.doc.text[a:b])]

    def _subject(self, sent: Any, history: list[Actor]) -> Actor | None:
        """The actor the sentence's main subject names (for later pronouns), :data:`SOMEONE` for an
        unnamed commenter (:data:`COMMENTER_HEADS`), ``other:user_…`` of kind "someone" for a
        pseudonymised account, :data:`THING` for a noun that names no one, or None."""
        subj = next((c for c in sent.root.children if c.dep_ in ("nsubj", "nsubjpass")), None)
        first = next((t for t in sent if t.dep_ in ("nsubj", "nsubjpass")), None)
        lead = next((t for t in sent if not (t.is_punct or t.is_space)), sent[0])  # after a bullet "- "
        if PSEUDONYM.match(lead.text) and (subj is None or subj.i > lead.i):
            # "user_… highlights improvements …", parsed as a noun phrase or cut off as a sentence of its own
            return Actor(f"other:{lead.text}", SOMEONE.kind, ())
        if first is not None and first is not subj and first.lemma_.lower() in COMMENTER_HEADS:
            return SOMEONE  # "One commenter raises a concern: if …, Kimi may have been optimized …"
        if subj is not None and PRONOUNS.get(subj.lower_) == "person":  # "he said …. He added …": a chain
            said = self.resolve(speaker_span(subj), history)
            return self.registry.get(said) or (Actor(said, "person", ()) if said.startswith("other:") else None)
        if subj is None or subj.lower_ in PRONOUNS:
            return None
        if PSEUDONYM.match(subj.text):
            return Actor(f"other:{subj.text}", SOMEONE.kind, ())  # "user_… notes …. They add …": that account
        if subj.lemma_.lower() in COMMENTER_HEADS or subj.lower_ in COMMENTER_HEADS:
            return SOMEONE
        span = speaker_span(subj)
        listed = [e for e in span.ents if e.ent_id_ in self.registry]
        if product_speaks(span, subj, self.registry, self.user_post) or listed and not any(
                names_speaker(e, subj) for e in listed):  # session-29 review: "They" was Alibaba
            return THING  # "QwQ 32B thought for 17 minutes.", "Kimi K2.6 is …": a model speaks for no one
        named = self.mentions(span)
        thing = THING if subj.pos_ in ("NOUN", "PROPN") and subj.lemma_.lower() not in NOMINAL_ORGS else None
        return (sorted(named, key=lambda a: not a.is_person) or [thing])[0]

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
                    found = next((a for a in (actor_in(p, self.registry) for p in own_phrase(e.root)) if a), None)
                    org = found if found is not None and not found.is_person else None
                out.append(Actor(org.actor if org else f"other:{e.text}", "person", (e.text, e.text.split()[-1])))
            elif e.label_ == "ORG":
                out.append(Actor(f"other:{e.text}", "company", (e.text,)))
        return out

    def find(self, text: str, publisher: str | None = None, title: str | None = None) -> list[Quote]:
        """Every attributed quote in ``text``, in text order.

        Args:
            text: a document's cleaned text (paragraphs separated by blank lines).
            publisher, title: the document's outlet and title (see :meth:`transcript`).

        Returns:
            :class:`Quote` objects; offsets index ``text``.
        """
        quotes = self.transcript(text, publisher, title)
        if quotes:
            return quotes
        return self.find_parsed(self.nlp(text), History())

    def find_parsed(self, doc: Any, history: History, offset: int = 0) -> list[Quote]:
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
            subject = self._subject(sent, history)
            if subject is not None or any(t.pos_ in ("VERB", "AUX") for t in sent):  # not a byline or dateline
                history.subjects.append(subject)
        out.sort(key=lambda q: q.start_char)
        for q in out:
            q.start_char += offset
            q.end_char += offset
        return out

    def actor_of_name(self, name: str) -> str:
        """Canonical actor of a bare name (a comment's submitter, a transcript speaker): the listed
        actor it names, else ``other:<name>`` (:func:`pipeline.actors.registry.name_actor`), resolved
        once per finder (the whole pipeline on every turn and author took a minute of the stage)."""
        actor = self._names.get(name)
        if actor is None:
            actor = self._names[name] = name_actor(self.nlp, self.registry, name)
        return actor

    def _sentence(self, sent: Any, marks: list[tuple[int, int]], history: list[Actor]) -> list[Quote]:
        out = []
        inside = [(a, b) for a, b in marks if a < sent.end_char and b > sent.start_char]
        metas = [m.span() for m in _RECAP_META.finditer(sent.doc.text, sent.start_char, sent.end_char)]
        for tok in sent:
            seg = segment(sent, metas, tok.idx)
            if seg is None:
                continue  # a word of recap metadata
            if tok.lemma_ == "accord" and any(c.text.lower() == "to" for c in tok.children):
                to = next(c for c in tok.children if c.text.lower() == "to")
                pobj = next((c for c in to.children if c.dep_ == "pobj"), None)
                if pobj is None:
                    continue
                speaker = within(sent.doc[pobj.left_edge.i:pobj.right_edge.i + 1], seg)
                rest = [t for t in within(sent, seg) if not (tok.i <= t.i <= pobj.right_edge.i) and not t.is_punct]
                if len(speaker) and rest:
                    a, b = rest[0].idx, rest[-1].idx + len(rest[-1])
                    out.append(Quote(speaker.text, self.resolve(speaker, history), sent.doc.text[a:b],
                                     "according_to", a, b))
                continue
            if tok.pos_ not in ("VERB", "AUX") or tok.lemma_ not in SPEECH_LEMMAS:
                continue
            if negated(tok) or hypothetical(tok) or participle(tok):
                continue  # "I don't think the hype will last", "DeepSeek should just admit …": not said
            if any(a <= tok.idx < b for a, b in inside):
                continue  # a verb inside the quotation ("We think …") is not the cue
            subj = next((c for c in tok.children if c.dep_ in ("nsubj", "nsubjpass")), None)
            if subj is None or segment(sent, metas, subj.idx) != seg or no_speaker(subj):
                continue  # no subject, one in the recap title, a passive's ("DeepSeek is called out as …") or "This"
            speaker = within(speaker_span(subj), seg)
            # the speaker's own phrase: the cut span plus appositions ("Junyang Lin, a
            # researcher at Alibaba"), not relative clauses ("who once worked at Google") nor a
            # quoted title ('The title of the post, "DeepSeek Forgot Its Own Owner", suggests')
            context = [speaker] + [sent.doc[c.left_edge.i:c.right_edge.i + 1] for c in subj.children
                                   if c.dep_ == "appos" and not any(a <= c.idx < b for a, b in inside)]
            near = [(a, b) for a, b in inside if (adjacent(tok, a, b) or adjacent(subj, a, b)) and
                    not (speaker.start_char >= a and speaker.end_char <= b) and not titled(tok, a)]
            if near and tok.lemma_ == "add" and any(c.dep_ == "dobj" and c.lemma_ not in ("comment", "note", "remark")
                                                    for c in tok.children):
                continue  # "… added fuel to the 'Chinese AI stack' narrative" (not "added the comment")
            if near:  # "…," said X / X said: "…" / "…" X wrote
                for a, b in near:
                    meta = _RECAP_META.search(sent.doc.text, a, b)  # a quotation may span sentences, not metadata
                    b = meta.start() if meta else b
                    if too_short(sent.doc.text[a:b]):
                        continue  # a scare quote or a name in quotation marks
                    before = sent.doc.text[max(sent.start_char, a - 3):a - 1].rstrip()
                    cue = "colon_direct" if before.endswith(":") else (
                        "wrote_direct" if tok.lemma_ == "write" else "said_direct")
                    out.append(Quote(speaker.text, self.resolve(speaker, history, context), sent.doc.text[a:b],
                                     cue, a, b))
                break
            if tok.lemma_ in WEAK_LEMMAS:
                continue  # "adds web search", "calls it": speech only with a quotation
            clause = reported_clause(tok)
            if clause is not None:
                span = [t for t in clause.subtree if t.dep_ != "mark" or t.head != clause]
                span = [t for t in span if not (t.is_punct and t.i == clause.right_edge.i)]
                cut = [t for t in span if t.idx + len(t) <= seg[1]]
                # a shared headline's site name ("… export rules are working | TechCrunch"; session-31 review)
                cut = cut[:next((k for k, t in enumerate(cut) if t.text == "|"), len(cut))]
                if len(cut) < len(span) and len(cut) < MIN_QUOTE_WORDS:
                    break  # only recap metadata after a short title fragment
                if len(cut) >= MIN_QUOTE_WORDS:
                    a, b = cut[0].idx, cut[-1].idx + len(cut[-1])
                    out.append(Quote(speaker.text, self.resolve(speaker, history, context), sent.doc.text[a:b],
                                     "reported", a, b))
                    break
        return out

    def transcript(self, text: str, publisher: str | None = None, title: str | None = None) -> list[Quote]:
        """The turns of ``text`` if it is a transcript
        (:func:`~pipeline.actors.transcripts.attribute_turns`), else ``[]``;
        a turn's quote is its text up to the next turn. A speaker is the listed
        actor its name gives (:func:`name_actor`), else ``other:<Name>``: the
        guests and witnesses of a publisher's transcript do not speak for it
        (Ian Bremmer's 76 turns were "White House" once). Only an unnamed
        official (:data:`~pipeline.actors.transcripts.OFFICIAL`) speaks for ``publisher`` (the document's
        outlet, e.g. "The White House") when it is a listed actor, and "THE
        PRESIDENT" is the listed actor the document's ``title`` names with a
        "President …" alias ("Remarks by President Trump at …"), else
        ``other:The President``. Offsets index ``text``."""
        return [Quote(name, actor, said, "transcript", start, end)
                for name, actor, said, start, end in attribute_turns(text, self.actor_of_name, self.registry,
                                                                     publisher, title)]
