"""AINews recap metadata: the counts a recap prints after a Reddit title
("(Score: 214, Comments: 84):", "(Activity: 713):"), never words of the post.

A recap line "Title (Score: 134, Comments: 26): summary" holds two texts, the
post's title and the recap's summary of it, and spaCy's parser reads the whole
line as one sentence: the title then becomes the subject of the summary's verb
("4D Chess by the DeepSeek CEO (…): Liang Wenfeng, CEO of DeepSeek, argues
that …" gave the subject "Chess"). The component :func:`recap_meta_sentences`
starts a sentence at the bracket and after it, before the parser runs; the
parser keeps sentence starts set before it (spaCy's ``DependencyParser``).

It also starts a sentence at a pseudonymised account (``user_<10 hex>``) right
after a sentence's closing ``.``, ``!`` or ``?``: recaps open sentences with
commenters' names, and the parser, seeing a lower-case word, joined "…
alternatives like Gemini and CoPilot. user_6f… highlights improvements …" into
one sentence, whose subject then named DeepSeek (session-26 review).
"""

from __future__ import annotations

import re
from typing import Any

from spacy.language import Language

from pipeline.pseudonyms import PSEUDONYM

#: The metadata bracket with the blanks and the colon around it; the bracket's
#: close may be missing in a cut line. From the corpus's recap lines
#: (``corpora/demo/social/ainews_social_recaps.jsonl``, AINews HTML issues).
RECAP_META = re.compile(r"\s*\((?:Score|Activity):[^()\n]{0,40}\)?\s*:?\s*")


@Language.component("recap_meta_sentences")
def recap_meta_sentences(doc: Any) -> Any:
    """Mark the token opening each :data:`RECAP_META` bracket, the first
    token after it, and a pseudonym after a sentence's closing punctuation,
    as sentence starts (``Token.is_sent_start``); add it before ``parser``.
    Other tokens are left to the parser."""
    starts = set()
    for m in RECAP_META.finditer(doc.text):
        starts.add(m.start() + len(m.group()) - len(m.group().lstrip()))
        starts.add(m.end())
    for tok in doc:
        if tok.idx in starts or (tok.i > 0 and doc[tok.i - 1].text in (".", "!", "?") and PSEUDONYM.match(tok.text)):
            tok.is_sent_start = True
    return doc
