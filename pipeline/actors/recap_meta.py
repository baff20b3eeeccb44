"""AINews recap metadata: the counts a recap prints after a Reddit title
("(Score: 214, Comments: 84):", "(Activity: 713):"), never words of the post.

A recap line "Title (Score: 134, Comments: 26): summary" holds two texts, the
post's title and the recap's summary of it, and spaCy's parser reads the whole
line as one sentence: the title then becomes the subject of the summary's verb
("4D Chess by the DeepSeek CEO (…): Liang Wenfeng, CEO of DeepSeek, argues
that …" gave the subject "Chess"). The component :func:`recap_meta_sentences`
starts a sentence at the bracket and after it, before the parser runs; the
parser keeps sentence starts set before it (spaCy's ``DependencyParser``).
"""

from __future__ import annotations

import re
from typing import Any

from spacy.language import Language

#: The metadata bracket with the blanks and the colon around it; the bracket's
#: close may be missing in a cut line. From the corpus's recap lines
#: (``corpora/demo/social/ainews_social_recaps.jsonl``, AINews HTML issues).
RECAP_META = re.compile(r"\s*\((?:Score|Activity):[^()\n]{0,40}\)?\s*:?\s*")


@Language.component("recap_meta_sentences")
def recap_meta_sentences(doc: Any) -> Any:
    """Mark the token opening each :data:`RECAP_META` bracket, and the first
    token after it, as sentence starts (``Token.is_sent_start``); add it
    before ``parser``. Other tokens are left to the parser."""
    starts = set()
    for m in RECAP_META.finditer(doc.text):
        starts.add(m.start() + len(m.group()) - len(m.group().lstrip()))
        starts.add(m.end())
    for tok in doc:
        if tok.idx in starts:
            tok.is_sent_start = True
    return doc
