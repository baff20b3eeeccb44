"""Transcript turns: which lines of a text are ``NAME: text`` turns of a
briefing, hearing or conversation (:func:`turns`), and who among their
speakers speaks for the transcript's publisher (:data:`OFFICIAL`) or is the
president its title names (:data:`PRESIDENT`). The attribution itself is
:func:`attribute_turns`, for :meth:`pipeline.actors.quotes.QuoteFinder.transcript`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from typing import Any

#: A turn: an upper-case name ("MS. PATTERSON:", "Q:") or, when the turn carries a timestamp, a
#: title-case one ("Sam Altman: [1:18:20]", "Dean W Ball (00:01:44):", the Interconnects interviews), then the
#: turn's first line, on the same line (a heading alone on its line, "RECOMMENDATIONS:" in a docket comment, is
#: not a turn).
_STAMP = r"[^\S\n]+\((?:\d{1,2}:)?\d{1,2}:\d{2}\)"  # a podcast turn's bracketed timestamp, " (00:21:59)"
SPEAKER_LINE = re.compile(r"^(?P<name>(?:(?:MR|MS|MRS|DR|SEN|SENATOR|REP|SECRETARY|PRESIDENT|THE PRESIDENT)\.?\s+)?"
                          r"[A-Z][A-Z.'\- ]{1,40}|Q|[A-Z][\w.’'\-]+(?: [A-Z][\w.’'\-]*){1,3}"
                          r"(?=:\s+\[\d|" + _STAMP + r":))"
                          r"(?:" + _STAMP + r")?[^\S\n]*:[^\S\n]+(?P<text>\S.*)$", re.MULTILINE)
#: A reporter's turn as White House transcripts write it, "Q" and a space, no colon ("Q Can you talk about
#: …"; the Jake Sullivan gaggle and Karoline Leavitt's briefings): the turn's text starts with a capital,
#: a parenthesis, a quotation mark or a dash or ellipsis where the reporter goes on after an interruption ("Q —
#: give some certainty …", which ended the press secretary's turn since turns run to the next), so "Q 3
#: revenue" is no turn.
QUESTION_LINE = re.compile(r"^(?P<name>Q)[^\S\n]+(?P<text>[A-Z(\"“‘'—–…].*)$", re.MULTILINE)
#: Line labels that look like transcript speakers (memo headers: "TO:", "RE:", "CC:").
NOT_SPEAKERS = frozenset({"note", "update", "source", "editor's note", "disclosure", "correction", "related",
                          "summary", "tl;dr", "edit", "activity", "link", "title", "answer", "question", "url",
                          "doi", "to", "from", "re", "cc", "bcc", "subject", "date", "attn"})
#: Upper-case headings that look like speakers: a first word in -ING ("MAKING AMERICA THE GLOBAL
#: LEADER IN AI:", a White House fact sheet) and at least two words, or a numbered part
#: ("SECTION VII: Open Source AI …", a docket comment's table of contents and body).
HEADING = re.compile(r"[A-Z]+ING\s+[A-Z]|(?:SECTION|PART|CHAPTER|APPENDIX|ARTICLE|TITLE)\b")
#: Unnamed officials of a transcript's publisher ("SENIOR ADMINISTRATION OFFICIAL", a White House briefing).
OFFICIAL = re.compile(r"(?:SENIOR\s+)?(?:ADMINISTRATION\s+)?OFFICIAL(?:\s+\d+)?", re.IGNORECASE)
#: The sitting president as a transcript names him ("THE PRESIDENT:"), who the title names
#: ("Remarks by President Trump at …").
PRESIDENT = re.compile(r"(?:THE\s+)?PRESIDENT", re.IGNORECASE)


#: Where a transcript's last turn ends: the White House's closing line ("END  4:10 P.M. EST").
_END = re.compile(r"^[^\S\n]*END\b", re.MULTILINE)
#: A stage direction in a turn: "(Laughter.)", "(Inaudible.)".
_PARENTHETICAL = re.compile(r"\([^()]*\)")


def turns(text: str) -> list[re.Match[str]]:
    """The turns of ``text`` (:data:`SPEAKER_LINE` and :data:`QUESTION_LINE`
    matches in text order, groups ``name`` and ``text``; offsets index
    ``text``) when it is a transcript: at least
    three turns, opening at least a tenth of its paragraphs (three "NOTE:"
    lines in a long newsletter are not one), by at least two speakers, one
    of whom speaks at least twice (a docket comment's one-off labels, "TO:",
    "FROM:", "RE:" or "UEI:", "CAGE:", are not a conversation); else ``[]``.
    Labels in :data:`NOT_SPEAKERS` and :data:`HEADING` lines are not turns."""
    found = [m for m in SPEAKER_LINE.finditer(text)
             if m.group("name").strip().lower() not in NOT_SPEAKERS and not HEADING.match(m.group("name"))]
    found = sorted(found + list(QUESTION_LINE.finditer(text)), key=lambda m: m.start())
    paragraphs = sum(1 for p in text.split("\n\n") if p.strip())
    names = Counter(m.group("name").strip() for m in found)
    if len(found) < 3 or len(found) < 0.1 * paragraphs or len(names) < 2 or max(names.values()) < 2:
        return []
    return found


def attribute_turns(text: str, actor_of_name: Callable[[str], str], registry: dict[str, Any],
                    publisher: str | None, title: str | None) -> list[tuple[str, str, str, int, int]]:
    """Each turn of ``text`` (:func:`turns`; ``[]`` if it is no transcript)
    as ``(name, actor, said, start, end)``: the turn's text ``said`` at
    ``text[start:end]``, from its speaker's name to the next turn (its later
    paragraphs too, since session 30: the first line alone lost the answers
    after "Yeah, exactly."), or to the closing "END" line, and the canonical
    actor of its speaker's ``name``
    (``actor_of_name``: the listed actor a bare name gives, else
    ``other:<Name>``). An unnamed official (:data:`OFFICIAL`) speaks for
    ``publisher`` when that is a listed actor (``registry``: canonical name
    → ``Actor``), and "THE PRESIDENT" (:data:`PRESIDENT`) is the listed
    actor whose "President …" alias the document's ``title`` holds. A
    reporter's turn ("Q") counts as a turn but gives no quote: the
    transcript does not name who asked; nor does a turn that is only a stage
    direction ("(Laughs.)")."""
    found = turns(text)
    if not found:
        return []
    house = actor_of_name(publisher) if publisher else None
    house = house if house and not house.startswith("other:") else None
    head = actor_of_name(title) if title else None
    head = head if head in registry and any(
        a.startswith("President ") and a in title for a in registry[head].aliases) else None
    out = []
    for m, following in zip(found, [f.start() for f in found[1:]] + [len(text)]):
        name = m.group("name").strip()
        said = text[m.start("text"):following]
        end = _END.search(said)
        said = said[:end.start() if end else len(said)].rstrip()
        if name == "Q" or not _PARENTHETICAL.sub("", said).strip():
            continue  # an unnamed reporter's question: a turn, but no one's quote; "(Laughs.)" says nothing
        actor = actor_of_name(name.title() if name.isupper() else name)
        if actor.startswith("other:") and house and OFFICIAL.fullmatch(name):
            actor = house
        elif actor.startswith("other:") and head and PRESIDENT.fullmatch(name):
            actor = head
        out.append((name, actor, said, m.start("text"), m.start("text") + len(said)))
    return out
