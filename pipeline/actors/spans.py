"""Token and span tests of the quote attribution rules
(:mod:`pipeline.actors.quotes`): which part of a sentence lies outside recap
metadata (:func:`segment`, :func:`within`), whether a cue sits next to a
quotation (:func:`adjacent`) or is negated or hypothetical (:func:`negated`,
:func:`hypothetical`), the clause it reports (:func:`reported_clause`), a speaker's
span (:func:`speaker_span`) and the phrases that describe a person
(:func:`own_phrase`), whether a phrase speaks of a past role
(:func:`former`), and whether a name says who speaks (:func:`names_speaker`,
:func:`product_speaks`). All take spaCy tokens or spans of a parsed ``Doc``.
"""

from __future__ import annotations

import re
from typing import Any

#: Words that make a speaker's phrase past ("The former Director of the White House OSTP"): an
#: organisation named in it is not the speaker (a listed person still is).
FORMER = frozenset({"former", "ex", "onetime", "erstwhile"})
#: A negation whose apostrophe was lost ("don t", "doesn t", "didn t", "can t").
_LOST_NOT = re.compile(r"\b(?:do|does|did|ca|wo|could|would|should)n t\b|\bcan t\b", re.IGNORECASE)


def segment(sent: Any, metas: list[tuple[int, int]], pos: int) -> tuple[int, int] | None:
    """The stretch ``[lo, hi)`` of the sentence ``sent`` (character offsets in
    its document) that holds offset ``pos``, between the recap metadata
    brackets ``metas`` (:data:`pipeline.actors.recap_meta.RECAP_META` matches in the sentence, as
    ``(start, end)``, found once per sentence) and the sentence bounds;
    ``None`` when ``pos`` lies inside a bracket. A recap line "Title (Score:
    134, Comments: 26): summary" holds two texts: a cue in the summary quotes
    and names nothing from the title, even where a pipeline without
    :func:`~pipeline.actors.recap_meta.recap_meta_sentences` made the line one
    sentence."""
    lo = sent.start_char
    for start, end in metas:
        if pos < start:
            return lo, start
        if pos < end:
            return None
        lo = end
    return lo, sent.end_char


def within(span: Any, seg: tuple[int, int]) -> Any:
    """The tokens of ``span`` inside the character range ``seg`` (a :func:`segment`)."""
    toks = [t for t in span if seg[0] <= t.idx and t.idx + len(t) <= seg[1]]
    return span.doc[toks[0].i:toks[-1].i + 1] if toks else span.doc[span.start:span.start]


def adjacent(verb: Any, start: int, end: int, window: int = 6) -> bool:
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


def negated(verb: Any) -> bool:
    """Whether a speech verb is negated ("did not say", "don't think"; also
    "I don t think" with the apostrophe lost, as in the X export, where the
    parser reads "don t" as the subject)."""
    if any(c.dep_ == "neg" or c.lower_ == "longer" and any(g.lower_ == "no" for g in c.children)
           for c in verb.children):
        return True  # "did not say"; "Trump no longer thinks …" (session-28 review)
    subj = next((c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")), None)
    return subj is not None and bool(_LOST_NOT.search(verb.doc.text[subj.left_edge.idx:verb.idx]))


#: Where a statement was made ("said in a statement that …", "wrote in a blog post that …"): the parser hangs
#: the "that" clause from this noun instead of the verb.
_STATEMENT_NOUNS = frozenset({"statement", "post", "blog", "interview", "letter", "filing", "memo", "email", "tweet",
                              "release", "briefing", "call", "conference", "note", "message", "update", "thread"})


def reported_clause(verb: Any) -> Any:
    """The clause a speech verb reports, after the verb: its ``ccomp``, or a "that" clause the parser
    hung from where the words were said ("DeepSeek said in a statement that it would …", where the
    clause is an ``acl`` of "statement": :data:`_STATEMENT_NOUNS`); ``None`` without one."""
    clause = next((c for c in verb.children if c.dep_ == "ccomp" and c.i > verb.i), None)
    if clause is not None:
        return None if topic_only(clause) else clause
    for prep in (c for c in verb.children if c.dep_ == "prep" and c.i > verb.i):
        for noun in (c for c in prep.children if c.dep_ == "pobj" and c.lemma_.lower() in _STATEMENT_NOUNS):
            for c in noun.children:
                if c.dep_ in ("acl", "relcl", "ccomp") and any(m.dep_ == "mark" and m.lower_ == "that"
                                                                for m in c.children):
                    return c
    return None


def topic_only(clause: Any) -> bool:
    """Whether a speech verb's ``ccomp`` gives what was spoken about, not what was said: a question word
    without "that" ("confirms what the self taught have been telling u", "recounted what seemed to be a
    conversation", "explained how …"), or a link the parser took for a clause ("reveals his plan
    https://t.co/…"). Session-30 review of the quotes that new speech verbs added."""
    if clause.like_url or clause.pos_ in ("NUM", "X", "SYM"):
        return True  # not a noun: "#Alibaba claimed its new model #Qwen25Max outperforms …" tags the verb NOUN
    if clause.head.dep_ == "relcl":
        return False  # the relative pronoun of the speech verb's own clause: "KDA, which Moonshot says enables …"
    first = next((t for t in clause.subtree if not t.is_punct), clause)
    return first.tag_ in ("WP", "WRB", "WDT", "WP$") and not any(
        c.dep_ == "mark" and c.lower_ == "that" for c in clause.children)


#: Speech verbs whose past participle is also an adjective ("reported", "alleged").
_ADJECTIVAL = frozenset({"report", "allege"})


def participle(verb: Any) -> bool:
    """Whether a speech verb of :data:`_ADJECTIVAL` is a past participle without an auxiliary, a modifier rather
    than the act: "DeepSeek’s reported 2k‑GPU training run …", "Microsoft and OpenAI probe alleged data theft …"
    (session-30 review; "#Alibaba claimed its new model …", tagged the same, is speech)."""
    return verb.lemma_ in _ADJECTIVAL and verb.tag_ == "VBN" and not any(
        c.dep_ in ("aux", "auxpass") for c in verb.children)


def hypothetical(verb: Any) -> bool:
    """Whether a speech verb says what someone might, should or will say, not
    what they said: under a modal ("DeepSeek should just admit …", "can just
    say", "I wager DeepSeek will say …") or an infinitive ("Do you need the
    OpenAI agent to say …"), or in a condition ("they might believe them if
    they say …", session-29 review). Session-28 review: such clauses were quotes."""
    return any(c.dep_ == "aux" and (c.tag_ == "MD" or c.lower_ == "to") or c.dep_ == "mark" and c.lower_ in
               ("if", "unless") for c in verb.children)


#: Heads of subjects that name an unnamed commenter ("A user shared …", "An AMD 6800 user shared …"): a later
#: "they", "he" or "it" is that commenter, not a company named before; so is a pseudonymised account's
#: (session-26 review: 7 of 11 "they" quotes given to a listed actor were a commenter's).
COMMENTER_HEADS = frozenset({"user", "member", "commenter", "poster", "redditor", "participant", "someone",
                             "people", "person", "individual", "reader", "viewer", "discussant", "contributor",
                             "tester", "reviewer", "respondent"})
#: Bare demonstratives, which as a speech verb's subject name no one ("This suggests that …").
_DEMONSTRATIVES = frozenset({"this", "that", "these", "those"})
#: A run of non-space characters that is a path or code: "org/model" or in backticks.
_CODE_RUN = re.compile(r"\w/\w|`")


def no_speaker(subj: Any) -> bool:
    """Whether a speech verb's subject token ``subj`` cannot be a speaker: a
    passive's subject other than "it" ("DeepSeek is called out as …"), a
    demonstrative standing alone ("This suggests that …", "That means …";
    119 quotes of the session-28 build had "This" as their speaker), or a word
    of a repository path or code (its run of non-space characters holds "/" or
    a backtick: "`nvidia/Qwen3.6-27B-NVFP4`, … Commenters note …", where the
    parser made the model path the subject of "note"; session-29 review), or a
    possessive ("DeepSeek’s reported … run")."""
    if subj.dep_ == "nsubjpass":
        return subj.lower_ != "it"
    if any(c.dep_ == "case" for c in subj.children):
        return True  # a possessive the parser made the subject: "DeepSeek’s reported … run is cited …"
    text = subj.doc.text
    lo, hi = subj.idx, subj.idx + len(subj)
    while lo > 0 and not text[lo - 1].isspace():
        lo -= 1
    while hi < len(text) and not text[hi].isspace():
        hi += 1
    if _CODE_RUN.search(text[lo:hi]):
        return True
    return subj.lower_ in _DEMONSTRATIVES and not any(True for _ in subj.children)


def titled(verb: Any, start: int) -> bool:
    """Whether the quotation that opens at character ``start`` is the title of
    where the words were said, right after the speech verb's "in" ("argues
    in “Anthropic’s position on open-weights models” that …",
    "wrote in “The Bitter Lesson”"): a title, not the speaker's words
    (session-29 review: the title was Dario Amodei's direct quote)."""
    text = verb.doc.text
    for prep in (c for c in verb.children if c.dep_ == "prep" and c.lower_ == "in"):  # not "described … as “…”"
        end = prep.idx + len(prep)
        if end < start and not text[end:start].strip(" \"“'‘"):
            return True
    return False


def former(span: Any) -> bool:
    """Whether ``span`` speaks of a past role ("former", "ex-": :data:`FORMER`)."""
    return any(t.lower_.rstrip("-") in FORMER for t in span)


#: Prepositions that attach a speaker to the organisation it speaks for ("the CEO of OpenAI", "a
#: spokesperson for Anthropic", "officials at the Commerce Department", "a researcher from Alibaba") or
#: list the speakers ("tech luminaries like Yann LeCun and Martin Casado").
ROLE_PREPS = frozenset({"of", "for", "at", "from", "in", "with", "like", "including", "as"})
#: Groups one is "on" ("a central technical leader on Alibaba's Qwen team"); "a report on DeepSeek" is a topic.
_ON_GROUPS = frozenset({"team", "board", "staff", "committee", "council", "panel"})
#: Heads that "behind" attaches to their product ("the company behind Claude", "the team behind Qwen"); "the
#: thinking behind DeepSeek's pricing" is a topic. Session-28 review: "As for Anthropic, the company behind Claude
#: said …" was OpenAI's, the subject of the sentence before.
_MAKERS = frozenset({"company", "firm", "startup", "lab", "laboratory", "team", "group", "people", "developer",
                     "maker", "creator", "organization", "organisation"})
#: What a source publishes, which speaks for it ("Another report from Politico", "analyses from Arena.ai"), but not
#: "for" what it is about ("A local inference report for DeepSeek v4 Flash noted …", session-29 review).
_PUBLISHED = frozenset({
    "report", "analysis", "analyses", "analyse", "study", "survey", "data", "statement", "memo", "letter", "filing",
    "post", "blog", "paper", "research", "document", "assessment", "review", "announcement", "note", "evaluation",
    "estimate", "guidance", "testimony", "comment", "response", "submission", "brief", "briefing", "release",
    "website", "site", "page", "remark", "word", "tweet", "message"})
#: Words for people by their role, the nouns a role preposition hangs from ("the CEO of OpenAI", "officials at
#: the Commerce Department"): "Government Use of DeepSeek AI" (an X headline parsed as a subject) is not a role.
ROLE_NOUNS = frozenset({
    "ceo", "cto", "cfo", "chief", "head", "spokesperson", "spokeswoman", "spokesman", "representative", "official",
    "officer", "director", "president", "chair", "chairman", "chairwoman", "founder", "cofounder", "co-founder",
    "researcher", "scientist", "engineer", "executive", "leader", "lead", "member", "secretary", "minister",
    "adviser", "advisor", "analyst", "lawyer", "partner", "employee", "staff", "staffer", "team", "group", "source",
    "people", "expert", "economist", "investor", "developer", "manager", "vp", "professor", "fellow", "author",
    "commissioner", "ambassador", "senator", "administrator", "luminary", "figure", "voice", "critic", "spokespeople",
    "insider", "worker", "aide", "counsel", "negotiator", "regulator", "lawmaker", "legislator", "strategist",
    "designer", "maker", "builder", "user", "person", "one", "some", "many", "most", "all", "each", "both",
    "board", "office", "account", "press", "leadership", "management", "delegation", "embassy", "ministry",
    "department", "government", "camp", "side"}) | _PUBLISHED
#: Dependencies that put a name outside what the speaker is: an object or a clause ("No Plans To Sue China's
#: DeepSeek"), a subject of another verb.
_NOT_THE_SPEAKER = frozenset({"dobj", "nsubj", "nsubjpass", "relcl", "acl", "advcl", "ccomp", "xcomp", "attr",
                              "dative", "oprd", "npadvmod"})


def _a_role(token: Any) -> bool:
    """Whether ``token`` names people by their role or what a source publishes
    (:data:`ROLE_NOUNS`), or is a person's name or a listed actor's ("Brad
    Smith of Microsoft"); "Junyang Lin, a researcher at Alibaba" passes
    through "researcher". Not any entity: the small model reads the X headline
    "Taiwan Bans Government Use of" as an organisation."""
    return token.lemma_.lower() in ROLE_NOUNS or token.lower_ in ROLE_NOUNS or token.ent_type_ == "PERSON" \
        or bool(token.ent_id_)


def product_speaks(span: Any, head: Any, registry: dict[str, Any], user_post: bool = False) -> bool:
    """Whether the listed names of a speaker span (``head``: its root) are all
    products (``Actor.products`` of ``registry``, canonical name → ``Actor``:
    "DeepSeek R1", "o3", "Kimi"; in a ``user_post``, a social or forum post,
    also ``Actor.apps``: "Deepseek told me …", "Even Grok and Deepseek say
    …") and a product is what speaks: the head is in
    its name, or is no role, person, listed actor or maker (:data:`_MAKERS`):
    "Kimi K2 performance claim", not "Kimi engineers said". Session-28
    review: "o3-mini plainly stated …", "Minimax M2 thinks it's GPT" and
    "China's Kimi K3 fuels fears …" spoke for OpenAI, MiniMax and Moonshot AI."""
    named = [e for e in span.ents if e.ent_id_ in registry and names_speaker(e, head)]
    def product(e: Any) -> bool:
        a = registry[e.ent_id_]
        return e.text.lower() in {p.lower() for p in (*a.products, *(a.apps if user_post else ()))}

    if not named or not all(product(e) for e in named):
        return False
    return any(e.start <= head.i < e.end for e in named) or not (_a_role(head) or head.lemma_.lower() in _MAKERS)


def names_speaker(mention: Any, head: Any) -> bool:
    """Whether a name (``mention``, a span inside a speaker span) says who
    the speaker span's ``head`` is or speaks for: the head itself, or a
    name reached from the head through compounds, possessives of the head,
    appositions, conjunctions, possessives and role prepositions
    (:data:`ROLE_PREPS` after a role, :data:`ROLE_NOUNS`: "the CEO of
    OpenAI", "Anthropic's CEO", "Top White House advisor", "Junyang Lin, the
    technical lead of Alibaba's Qwen"), "behind" after a maker
    (:data:`_MAKERS`: "the company behind Claude"), or
    the agent of a participle that modifies the head ("data published by
    Moonshot"). A possessive or compound counts only before a role, a
    person, a listed actor or a maker ("Anthropic's CEO", not "Meta's Ad
    Library" nor "Elon Musk Biographer", session-28 review). A name under another preposition ("Government officials
    under then-President Joe Biden", "skepticism about Altman's credibility
    …, several commenters"), or in an object or clause
    (:data:`_NOT_THE_SPEAKER`: "Taiwan Bans Government Use of DeepSeek AI")
    does not (session-27 review: section 2 credited such quotes to Joe
    Biden, Sam Altman and DeepSeek)."""
    token = mention.root
    for _ in range(len(token.doc)):
        if token == head or mention.start <= head.i < mention.end:
            return True
        if token.dep_ == "pobj" and token.head.dep_ == "agent" and token.head.head.dep_ == "acl" \
                and token.head.head.head == head:
            return True  # "data published by Moonshot"
        if token.dep_ in _NOT_THE_SPEAKER or token.head == token:
            return False
        if token.head == head and token.dep_ in ("poss", "compound") and not _a_role(head) and \
                head.ent_type_ not in ("PERSON", "ORG") and head.lemma_.lower() not in _MAKERS and \
                any(c.isspace() for c in head.doc.text[mention.end_char:head.idx]):
            return False  # "Meta's Ad Library", "Elon Musk Biographer": a thing, not a role ("o3-mini" is one word)
        if token.dep_ == "pobj" and token.head.lower_ == "behind" and token.head.head.lemma_.lower() in _MAKERS:
            token = token.head  # "the company behind Claude": its maker
        elif token.dep_ == "pobj" and token.head.lower_ not in ROLE_PREPS and \
                not (token.head.lower_ == "on" and token.lemma_.lower() in _ON_GROUPS):
            return False
        elif token.dep_ == "pobj" and not _a_role(token.head.head):
            return False  # "Government Use of DeepSeek AI": of a thing, not of a role
        elif token.dep_ == "pobj" and token.head.lower_ == "for" and token.head.head.lemma_.lower() in _PUBLISHED:
            return False  # "A local inference report for DeepSeek v4 Flash": what it is about
        token = token.head
    return False


def own_phrase(token: Any) -> list[Any]:
    """The phrases that describe a person named by ``token`` (its
    possessive, compounds, appositions and prepositions: "Anthropic's
    Thariq Shihipar", "Junyang Lin, a researcher at Alibaba"), as spans;
    not clauses (a verb, "who once worked at Google"), not quotation
    ("Dan Correa, CEO, FAS: “We applaud the Biden Administration …”" is not
    the White House's), and none that speaks of a past role (:func:`former`)."""
    doc = token.doc
    out = []
    for child in token.children:
        if child.pos_ in ("VERB", "AUX") or child.dep_ in ("relcl", "acl", "ccomp", "advcl", "punct"):
            continue
        phrase = doc[child.left_edge.i:child.right_edge.i + 1]
        if not any(t.text in "\"“”" for t in phrase) and not former(phrase):
            out.append(phrase)
    return out


def speaker_span(token: Any) -> Any:
    """The subject's span: its subtree, cut at a relative clause or comma."""
    doc = token.doc
    start, end = token.left_edge.i, token.right_edge.i + 1
    for child in token.children:
        if child.dep_ in ("relcl", "acl", "appos") or child.text == ",":
            if child.i > token.i:
                end = min(end, child.left_edge.i)
    return doc[start:end]
