"""The corpus's dictionary of accounts: names that the corpus writes as a
handle (``@teortaxesTex``, ``u/name``, an X profile URL) and, elsewhere,
bare ("teortaxesTex discusses …", "(nrehiew_)", "Scaling01 reports …" in
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
* it is marked twice or more, or has a handle's shape (a digit, ``_`` or
  an inner capital: ``omarsar0``, ``teortaxesTex``): one ``@ptable``
  would otherwise hide "acce ptable", a word broken across a line of a
  docket comment.

A bare mention (:meth:`AccountNames.find`) is a whole word, not after
``@ / . -`` or a backslash (a path, a JSON escape) nor before ``@`` or
``-``; a hashtag that is an account ("#ElonMusk" in the X export's spam,
any case) is one, as its word would otherwise reach the topic words. Names of a handle's shape match in any case
("TeortaxesTex"); the others only as the corpus marks them ("@sama" hides
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

from pipeline.pseudonyms import _PSEUDONYM, CODE_AT_WORDS, marked_handles

#: A bare word that could be an account name (X allows 15 characters, Reddit 20, Jike more).
_WORD = re.compile(r"(?<![\w@/.\\-])[A-Za-z0-9_]{3,30}(?![\w@-])")
#: The same, not after ``#``: the bare words :func:`collect` counts (a hashtag says nothing of
#: whether a name is a word: "#ElonMusk" 41 times in the X export's spam).
_COUNTED = re.compile(r"(?<![\w@#/.\\-])[A-Za-z0-9_]{3,30}(?![\w@-])")
#: A handle's shape: a digit, ``_`` or an inner capital after a lower-case letter.
_SHAPED = re.compile(r"[0-9_]|[a-z][A-Z]")


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
        return out

    def digest(self) -> str:
        """sha256 of the dictionary, for cache keys (it holds raw names: keep it out of outputs)."""
        return hashlib.sha256(repr(sorted((k, sorted(v or ())) for k, v in self.forms.items())).encode()).hexdigest()

    def __len__(self) -> int:
        return len(self.forms)


def collect(texts: Iterable[str], keep: frozenset[str]) -> AccountNames:
    """Build the dictionary from the corpus's texts (the rules of the module
    docstring); ``keep`` holds the lower-cased organisation handles."""
    marked: Counter[str] = Counter()
    seen: dict[str, set[str]] = defaultdict(set)
    words: Counter[str] = Counter()
    for text in texts:
        for _, _, handle in marked_handles(text):
            key = handle.lower()
            if _PSEUDONYM.match(key) or key in keep or key in CODE_AT_WORDS or not _WORD.fullmatch(handle):
                continue
            marked[key] += 1
            seen[key].add(handle)
        words.update(m.group().lower() for m in _COUNTED.finditer(text))
    forms: dict[str, frozenset[str] | None] = {}
    for key, n in marked.items():
        shaped = any(_SHAPED.search(f) for f in seen[key])
        if words[key] <= n and (n >= 2 or shaped) and re.search("[A-Za-z]", key):
            forms[key] = None if shaped else frozenset(seen[key])
    return AccountNames(forms)


def corpus_files(sources: list[dict[str, Any]], root: Path | None = None) -> list[Path]:
    """Every input file of the enabled ``sources`` (their readers' ``inputs()``), each once, sorted."""
    from pipeline.sources import make_reader

    files = {p for spec in sources if spec.get("enabled", True)
             for p in make_reader(spec, **({"root": root} if root else {})).inputs() if p.is_file()}
    return sorted(files)


def corpus_accounts(sources: list[dict[str, Any]], keep: frozenset[str], root: Path | None = None) -> AccountNames:
    """:func:`collect` over the text of every file the ``sources`` read
    (bytes decoded as UTF-8, undecodable bytes replaced)."""
    return collect((p.read_bytes().decode("utf-8", errors="replace") for p in corpus_files(sources, root)), keep)
