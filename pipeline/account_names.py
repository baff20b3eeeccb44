"""The corpus's dictionary of accounts: names that the corpus writes as a
handle (``@someName``, ``u/name``, an X profile URL) and, elsewhere,
bare ("someName discusses …", "(some_name_)", "SomeName01 reports …" in
AINews tweet recaps). The clean stage pseudonymises those bare mentions
too, and the privacy scanner counts them (docs/privacy.md).

A name enters the dictionary (:func:`collect`) when, over the corpus's
files:

* the corpus marks it as a handle at least as often as it writes it bare
  (case-insensitive word counts): ordinary words and product names that
  are also accounts ("@code", "@Google", "@ChatGPT") are written bare far
  more often, so they stay words;
* it has 3 or more characters, is not a pseudonym, an organisation account
  (``corpora/organisation_handles.yaml``) or a code word after ``@``
  (:data:`pipeline.pseudonyms.CODE_AT_WORDS`);
* a name of a handle's shape as the subject of a reporting verb in a
  recap or forum text ("FooBar notes …", :data:`_SAID`) is marked too,
  when at most half of its uses in such texts are something else;
* a word that opens a record's ``"text"`` in a recap or forum file and is
  followed by a reporting verb ("fooqux highlights …", "Foo-ba compares
  …", "-fooqux- notes …": AINews' Reddit recap records open with the
  commenter, :data:`_LEAD`), or that a record names as its "(source: …)"
  (:data:`_SOURCE`), is marked too, under the same condition (uses at a
  record's opening left out) and, without a handle's shape, only when the
  corpus never writes it in another case away from the start of a record or
  sentence; once is enough;
* it is marked twice or more, or has a handle's shape (a digit, ``_`` or
  an inner capital: ``fooqux0``, ``someName``): a Discord user's name
  marked once, the tail of a word, would otherwise hide "acce ptable",
  a word broken across a line of a docket comment;
* or a review found it: ``corpora/person_names.yaml`` lists people these
  rules miss (:func:`pipeline.privacy.load_person_names`), and words they
  wrongly take for a name, which stay out (``not_people``,
  :func:`pipeline.privacy.load_not_people`: "Discussants noted …").

A bare mention (:meth:`AccountNames.find`) is a whole word, not after
``@ / . -`` or a backslash (a path, a JSON escape) nor before ``@`` or
``-``; a hashtag that is an account ("#ElonMusk" in the X export's spam,
any case) is one, as its word would otherwise reach the topic words. Names of a handle's shape match in any case
("SomeName"); the others only as the corpus marks them ("@sama" hides
"trolling sama", not "SAMA"; "@amir" hides no "Amir Rosenfeld";
"@POTUS" no "the Potus").

Session-17 survey of the demo corpus: 1,983 marked names, 451 also written
bare in 1,081 places, most of them X accounts in tweet recaps; none of the
words "code", "Google", "ChatGPT", "Potus" passes.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.pseudonyms import _SAYS, CODE_AT_WORDS, MODEL_WORDS, PSEUDONYM, marked_handles

#: A bare word that could be an account name (X allows 15 characters, Reddit 20, Jike more).
_WORD = re.compile(r"(?<![\w@/.\\-])[A-Za-z0-9_]{3,30}(?![\w@-])")
#: A word after the slash of a pair of names ("foo/BarBaz confirmed …": one commenter's
#: Hugging Face and Reddit names; session-23 review), which :data:`_WORD` leaves as a path's: the word
#: before the slash opens the text or follows white space and holds no dot, and no ``/`` or ``.``
#: follows (not "github.com/name", "models/name/file", "name/file.py").
_PAIRED = re.compile(r"(?:(?<=\s)|^)[A-Za-z0-9_-]+/(?P<w>[A-Za-z0-9_]{3,30})(?![\w@/.-])", re.MULTILINE)
#: The same, not after ``#``: the bare words :func:`collect` counts (a hashtag says nothing of
#: whether a name is a word: "#ElonMusk" 41 times in the X export's spam).
_COUNTED = re.compile(r"(?<![\w@#/.\\-])[A-Za-z0-9_]{3,30}(?![\w@-])")
#: A handle's shape: a digit, ``_`` or an inner capital after a lower-case letter.
_SHAPED = re.compile(r"[0-9_]|[a-z][A-Z]")
#: A name of a handle's shape as the subject of a reporting verb, the way AINews recaps name Reddit
#: commenters ("FooBar notes …", "BazQux argues …", "Quux1998: Notes …", "corge28 similarly
#: argues", "FooBaz and QuxBar emphasize …"): a mark, as ``@`` is, read only in the
#: texts of :data:`USER_PROSE` sources, that :func:`collect` weighs against the name's other uses
#: (:data:`_TOKEN`). Session-18 survey of the demo corpus: 212 names join the dictionary, nearly all
#: Reddit commenters; company names that are subjects too ("OpenAI notes", "TechNet argues",
#: "H3C warns", all capitals) occur far more often otherwise, or are all capitals, and stay; a few
#: small companies named once ("LightBox highlights", "DataCurve said") are pseudonymised.
_NAME = r"[A-Za-z][A-Za-z0-9]*(?:[a-z][A-Z]|[A-Za-z][0-9]|[0-9][A-Za-z])[A-Za-z0-9]*|[A-Z][a-z]{3,}"
#: A capitalised word of :data:`_NAME` with no handle's shape ("Quxworth notes …", "Foxberg provides
#: …") counts only with a lower-case verb and not after a capitalised word: "Anthony Aguirre says",
#: "Don Tapscott explains" name public figures by their full names, "Trilium Notes" is a product.
#: Session-21 survey: 12 Reddit and Discord commenters of AINews recaps join the dictionary this way
#: (one capitalised word each), and one plural noun
#: ("Discussants noted …", 3 places; since session 23 listed under ``not_people``). Names a commenter
#: is given once, or more often otherwise ("Fooberg prompted …"), are left to
#: ``corpora/person_names.yaml`` (:func:`collect`'s ``people``).
_AFTER_CAPITALISED = re.compile(r"[A-Z][\w'’-]*\s+$")
#: Any run of letters and digits, in URLs too ("theinformation.com"): a :data:`_SAID` name counts
#: when at most half of its runs in :data:`USER_PROSE` texts are something else.
_TOKEN = re.compile(r"[A-Za-z0-9]+")
#: Verbs of :data:`_SAID`: not those that are also nouns after a name ("TriviaQA questions",
#: "TweetStorm Express Flow", "AlpacaEval compared to", "… shares", "… comments", "… claims").
#: "provides", "provided" and "showed" since session 21 ("fooqux42 provides …", "barbaz9644 provides
#: …": 13 commenters of a handle's shape stayed raw, and one class name joins them,
#: "DocumentStore only provides", listed under ``not_people``); read only in :data:`USER_PROSE` texts, so a
#: docket comment's footnote number glued to a word ("Privacy Act11 provides") is not one. Not
#: "found": "no cuda0 found" is a Reddit title.
_SAID_VERBS = (r"(?:not(?:e|es|ed)|argue[sd]?|suggest(?:s|ed)?|mention(?:s|ed)?|highlight(?:s|ed)?|"
               r"discuss(?:es|ed)?|points? out|pointed out|emphasi[sz](?:e|es|ed)|express(?:es|ed)|"
               r"ask(?:s|ed)|says|said|thinks|believes|recommend(?:s|ed)?|warn(?:s|ed)?|explain(?:s|ed)?|"
               r"(?:dis)?agree[sd]?|observe[sd]?|predict(?:s|ed)?|praise[sd]?|describe[sd]?|advise[sd]?|"
               r"critici[sz](?:e|es|ed)|questioned|repl(?:ies|ied)|respond(?:s|ed)?|provide[sd]?|showed)")
_TAG = r"(?:</?(?:strong|b|em|i|code)>)*"  # raw HTML pages bold the names
_SAID = re.compile(rf"(?:(?<![\w@#/.\\-])|(?<=\\[nt])){_TAG}(?P<a>{_NAME}){_TAG}:?{_TAG}"
                   rf"(?:,?\s+and\s+{_TAG}(?P<b>{_NAME}){_TAG})?(?:\s+[a-z]+ly)?\s+(?P<verb>(?i:{_SAID_VERBS}))\b")

#: A commenter opening a record: the first word of a JSON ``"text"`` value (or of a list item, ``<li>``, as
#: AINews' pages hold the same records, "<li>fooqux highlights …"; there without ``-``: list items
#: open with headings, "<li>Enterprise-readiness questions focus on …"), then a reporting verb
#: (:data:`_SAID_VERBS`, or the text rule's :data:`pipeline.pseudonyms._SAYS`, which has "shares" and
#: "comments": at a record's start a name is not a product's). Each comment summary of AINews' Reddit
#: recaps opens with its author's name; names without a handle's shape or a capital ("fooqux
#: highlights", "barbaz notes", "FooBarBaz shares") stayed raw (session-23 review: 85 such
#: names in the warehouse). The name may hold ``-`` inside or around it ("foo-bar inquires",
#: "Foo-ba compares", "-fooqux- highlights"; session-25 review), then only before a verb of
#: :data:`_HYPHEN_VERBS`, and not with a part in capitals or in :data:`MODEL_WORDS`
#: ("AutomationBench-AA adds", "Model-size requests" are not names). :func:`collect` keeps a name
#: without a handle's shape only when the corpus never writes it in another case away from a record's
#: opening: "Users requested …" opens a record of a recap that also says "users", "Follow-up notes …"
#: one that also says "follow-up", while a Reddit name keeps its case ("fooqux", "Barbaz",
#: "quxfoo", "Foo-ba"). A pair ("quxfoo and bar-baz discussed …"; the second name with a capital, a
#: digit, ``_`` or ``-``, not "Enthusiasts and tinkerers discuss") and a name in a pair of quotes
#: ("'fooquxI' mentions …"; not "Testers' notes") count too.
_LEAD_NAME = r"-[A-Za-z0-9_]+(?:-[A-Za-z0-9_]+)*-|[A-Za-z0-9_]+(?:-[A-Za-z0-9_]+)*"
_LEAD = re.compile(rf'(?:"text":\s*"|<li>)(?P<q>[\'‘])?(?P<a>{_LEAD_NAME})(?(q)[\'’])'
                   rf'(?:,?\s+and\s+(?P<b>(?=[\w-]*[A-Z0-9_-])(?:{_LEAD_NAME})))?(?:\s+[a-z]+ly)?'
                   rf'\s+(?P<verb>{_SAID_VERBS}|{_SAYS})\b')
#: Reporting verbs after a name with ``-`` (:data:`_LEAD`): not "requests" or "adds", which the corpus
#: uses as nouns after a compound ("Model-size requests clustered …", "AutomationBench-AA adds …"),
#: nor "says" (a Reddit title "nvidia-smi says 10W …"); a compound before "notes", "shares" or
#: "questions" is left to the case check ("Follow-up notes …"). Session-23 review; past forms since
#: session 25 ("quxfoo and bar-baz discussed …").
_HYPHEN_VERBS = re.compile(
    r"notes|mentions|suggests|argues|points out|highlights|shares|expresses|questions|compares|emphasi[sz]es|"
    r"discusses|asks|thinks|believes|recommends|warns|explains|responds|replies|agrees|disagrees|observes|"
    r"prefers|predicts|praises|describes|inquires|clarifies|speculates|insists|raises|critiques|"
    r"noted|mentioned|suggested|argued|pointed out|highlighted|expressed|questioned|discussed|asked|explained")
#: The author a recap record names at its very end, as the source of a comment summary ("… lower
#: quantization levels. (source: -fooqux-)", "(source: Quxb)"; 6 records of AINews' Reddit recaps and
#: 2 list items of its pages, "(source: foo5bar)</li>"; session-25 review): marked as a :data:`_LEAD`
#: name is. A link there ("(source: https://…)") is not a name, nor a "(source: …)" inside a text.
_SOURCE = re.compile(rf'\(source:\s+(?P<a>{_LEAD_NAME})\)(?="|</li>|[ \t]*$)', re.MULTILINE)
#: The first word of a record (:data:`_LEAD`'s place) or of a sentence, whose case says nothing about a
#: word's: a summary capitalises a commenter's name there ("Quxfoo and bar-baz discussed …", "… a `128B`
#: dense model. Bar-baz compared it …"); left out of :func:`collect`'s case check.
_INITIAL = re.compile(rf'(?:"text":\s*"|<li>|[.!?]\s+)(?P<a>{_LEAD_NAME})')
#: A bare word with ``-`` inside or around it, for dictionary names of :data:`_LEAD` ("Foo-ba",
#: "-fooqux-"); :data:`_WORD` takes no word next to ``-``.
_HYPHENED = re.compile(r"(?<![\w@/.\\-])(?:-[A-Za-z0-9_]+(?:-[A-Za-z0-9_]+)*-|[A-Za-z0-9_]+(?:-[A-Za-z0-9_]+)+)"
                       r"(?![\w@-])")


@dataclass(frozen=True)
class AccountNames:
    """The dictionary: lower-cased name -> the forms the corpus marks
    (``None`` when any case matches: a name of a handle's shape)."""

    forms: dict[str, frozenset[str] | None] = field(default_factory=dict)

    def find(self, value: str) -> list[tuple[int, int, str]]:
        """Bare mentions of a dictionary name in ``value``: ``(start, end,
        name)`` per mention, in text order (the callable
        :func:`pipeline.pseudonyms.find_handles` takes as ``bare``)."""
        out = []
        for m in _WORD.finditer(value):
            word = m.group()
            key = word.lower()
            hashtag = m.start() > 0 and value[m.start() - 1] == "#"
            if key in self.forms and (self.forms[key] is None or hashtag or word in self.forms[key]):
                out.append((m.start(), m.end(), word))
        for m in _HYPHENED.finditer(value):
            word = m.group()
            key = word.lower()
            if key in self.forms and (self.forms[key] is None or word in self.forms[key]):
                out.append((m.start(), m.end(), word))
        for m in _PAIRED.finditer(value):
            word, key = m.group("w"), m.group("w").lower()
            if key in self.forms and (self.forms[key] is None or word in self.forms[key]):
                out.append((m.start("w"), m.end("w"), word))
        return sorted(out)

    def digest(self) -> str:
        """sha256 of the dictionary, for cache keys (it holds raw names: keep it out of outputs)."""
        return hashlib.sha256(repr(sorted((k, sorted(v or ())) for k, v in self.forms.items())).encode()).hexdigest()

    def __len__(self) -> int:
        return len(self.forms)


def _not_a_subject(key: str, keep: frozenset[str]) -> bool:
    """Whether a lower-cased :data:`_SAID` or :data:`_LEAD` subject cannot be an account: an
    organisation's handle of ``keep``, a pseudonym already, or a name holding a model word."""
    return key in keep or bool(PSEUDONYM.match(key)) or not MODEL_WORDS.isdisjoint(re.findall("[a-z]+", key))


def _leads(text: str) -> list[tuple[int, str]]:
    """The :data:`_LEAD` and :data:`_SOURCE` names of ``text`` that can be a commenter's: 3 to 30
    characters, and with ``-`` only before a verb of :data:`_HYPHEN_VERBS` and with no part in capitals
    or in :data:`MODEL_WORDS` (as :data:`_SOURCE` names too); ``(start, name)`` each."""
    out = []
    for m in [*_LEAD.finditer(text), *_SOURCE.finditer(text)]:
        verb, listed = m.groupdict().get("verb"), m.group(0).startswith("<li>")
        for group in ("a", "b"):
            name = m.groupdict().get(group)
            if not name or not 3 <= len(name) <= 30 or not re.search("[A-Za-z]", name):
                continue
            if "-" in name and (listed or verb is not None and not _HYPHEN_VERBS.fullmatch(verb) or any(
                    len(w) > 1 and w.isupper() or w.lower() in MODEL_WORDS for w in re.findall("[A-Za-z]+", name))):
                continue
            out.append((m.start(group), name))
    return out


def collect(texts: Iterable[str | tuple[str, bool]], keep: frozenset[str],
            people: frozenset[str] = frozenset(), not_people: frozenset[str] = frozenset()) -> AccountNames:
    """Build the dictionary from the corpus's texts (the rules of the module
    docstring); ``keep`` holds the lower-cased organisation handles, ``people``
    names the rules miss (``corpora/person_names.yaml``), which match in any
    case, and ``not_people`` lower-cased words the rules take wrongly, left
    out (a name in both stays: ``people`` wins). A text
    may come as ``(text, prose_of_users)``: only texts that recap or hold
    users' posts (``True``, the default) are read for :data:`_SAID`, as
    policy comments glue footnote numbers to words ("evidence2 suggests")."""
    marked: Counter[str] = Counter()
    said: Counter[str] = Counter()  # marks by _SAID and _LEAD, also counted as bare words
    lead: Counter[str] = Counter()  # marks by _LEAD
    exact: Counter[str] = Counter()  # the runs of ``tokens`` as written (users' texts)
    seen: dict[str, set[str]] = defaultdict(set)
    opened: Counter[str] = Counter()  # the words that open records or sentences (_INITIAL), as written
    cased: Counter[str] = Counter()  # runs and hyphened words of every text as written, but for _INITIAL ones
    words: Counter[str] = Counter()
    for item in texts:
        text, users = item if isinstance(item, tuple) else (item, True)
        for _, _, handle in marked_handles(text):
            key = handle.lower()
            if PSEUDONYM.match(key) or key in keep or key in CODE_AT_WORDS or not _WORD.fullmatch(handle):
                continue
            marked[key] += 1
            seen[key].add(handle)
        counted = set()  # where _SAID took a name: _LEAD takes it there too, once
        for m in _SAID.finditer(text) if users else ():
            for group in ("a", "b"):
                name = m.group(group)
                if not name or not _SHAPED.search(name) and (not m.group("verb").islower() or _AFTER_CAPITALISED.search(
                        text, max(0, m.start(group) - 40), m.start(group))):
                    continue
                key = name.lower()
                if _not_a_subject(key, keep):
                    continue
                marked[key] += 1
                said[key] += 1
                seen[key].add(name)
                counted.add(m.start(group))
        for start, name in _leads(text) if users else ():
            key = name.lower()
            if _not_a_subject(key, keep):
                continue
            if start not in counted:
                marked[key] += 1
                said[key] += 1
            lead[key] += 1
            seen[key].add(name)
        runs, hyphened = _TOKEN.findall(text), _HYPHENED.findall(text)
        words.update(m.group().lower() for m in _COUNTED.finditer(text))
        words.update(h.lower() for h in hyphened)
        initials = [m.group("a") for m in _INITIAL.finditer(text)]  # a name's case there says nothing
        opened.update(initials)
        cased.update(runs)
        cased.update(hyphened)
        cased.subtract(initials)
        if users:
            exact.update(runs)
    tokens: Counter[str] = Counter()  # every run of letters and digits, in URLs too, for _SAID names
    for run, n in exact.items():
        tokens[run.lower()] += n
    lowered: Counter[str] = Counter()
    for run, n in cased.items():
        lowered[run.lower()] += n
    for key, n in lead.items():  # a word the corpus also writes in another case ("Users note", "users"): not a name
        if not any(_SHAPED.search(f) for f in seen[key]) and sum(cased[f] for f in seen[key]) < lowered[key]:
            marked[key] -= n
            said[key] -= n
            lead[key] = 0
            if not marked[key]:
                del marked[key]
    for key, n in said.items():  # a subject that is mostly something else: a company, an outlet
        # in capitals: "H3C warns", "H20 shares fell"; not a commenter the corpus names only there, "QUX64 notes"
        capitals = all(f.upper() == f for f in seen[key]) and not (lead[key] and re.search("[0-9]", key)
                                                                    and tokens[key] <= n)
        if n and (tokens[key] - n > (2 * n if lead[key] else n) or capitals):  # leads: as in the last rule
            marked[key] -= n
            said[key] = lead[key] = 0
            if not marked[key]:
                del marked[key]
    forms: dict[str, frozenset[str] | None] = {}
    for key, n in marked.items():
        shaped = any(_SHAPED.search(f) for f in seen[key])
        # written bare at most as often as marked; a record-opening name (a recap's structure marks it) at most
        # twice as often: AINews pages repeat the recap file's records ("fooqux", "barbazqux")
        if words[key] - said[key] <= (2 * n if lead[key] else n) and (n >= 2 or shaped or lead[key]) and \
                re.search("[A-Za-z]", key):
            # an all-lower-case commenter opening a record or sentence ("Quxfoo and bar-baz discussed …")
            opening = {c for f in seen[key] if lead[key] and f.islower() and opened[c := f[0].upper() + f[1:]]}
            forms[key] = None if shaped else frozenset(seen[key] | opening)
    for word in not_people:  # reviewed: not a name ("Discussants noted …", "DocumentStore only provides …")
        forms.pop(word, None)
    for name in people:  # a reviewed name, in any case ("Fooberg", "FooBerg", "fooberg")
        forms[name.lower()] = None
    return AccountNames(forms)


#: Source types (``corpora/sources.yaml``) whose texts name users in prose: recaps, newsletters
#: that recap forums, forums and social posts; not news, blogs or policy comments.
USER_PROSE = frozenset({"recap", "newsletter", "forum", "social"})


def _files(sources: list[dict[str, Any]], root: Path | None) -> dict[Path, bool]:
    """Input file -> whether a source of a :data:`USER_PROSE` type reads it."""
    from pipeline.sources import make_reader

    files: dict[Path, bool] = {}
    for spec in sources:
        if spec.get("enabled", True):
            for p in make_reader(spec, **({"root": root} if root else {})).inputs():
                if p.is_file():
                    files[p] = files.get(p, False) or spec.get("source_type") in USER_PROSE
    return files


def corpus_accounts(sources: list[dict[str, Any]], keep: frozenset[str], root: Path | None = None,
                    people: frozenset[str] = frozenset(), not_people: frozenset[str] = frozenset()) -> AccountNames:
    """:func:`collect` over the text of every file the ``sources`` read
    (bytes decoded as UTF-8, undecodable bytes replaced), with ``people`` and ``not_people``."""
    files = _files(sources, root)
    return collect(((p.read_bytes().decode("utf-8", errors="replace"), files[p]) for p in sorted(files)), keep, people,
                   not_people)
