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

It starts a sentence after a blank line, and after a line's heading: recaps
and tech-news pages set headings, channel names and bullets on lines of their
own ("Eleuther Discord\n\n- Deepseek Dilemma: OpenAI's Double-Edged Ethics:
Community members noted …", "GLM-4: user_… announced that …"), and the parser
read the heading as the subject of the next sentence's speech verb, which
then spoke for the lab the heading names; likewise the accounts an X reply
opens with ("@user_… DeepSeek …"). Session-28 review: 22 quotes by listed
actors had such a speaker.
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
#: A line's heading: from the line's start (a bullet "- " allowed) to a colon, at most 100 characters without
#: a sentence's closing punctuation (a dot inside a word, "Qwen1.5", "GLM-4.6V", and "vs." are no end) or a
#: quotation mark, followed by text that is not a quotation ("X said:
#: “…”" stays one sentence: cue ``colon_direct``). Shapes of the AINews recap lines of the shipped corpus.
HEADING = re.compile(r"(?m)^[ \t]*(?:[-*•][ \t]+)?(?:[^\n:.!?\"“”]|\.(?=\S)|\bvs\.){1,100}:[ \t]+(?=[^\s\"“”])")
#: A second heading after the first on the same line ("- Deepseek Dilemma: OpenAI's Double-Edged Ethics: …").
_SUBHEADING = re.compile(r"(?:[^\n:.!?\"“”]|\.(?=\S)|\bvs\.){1,60}:[ \t]+(?=[^\s\"“”])")
#: The accounts a reply opens with ("@user_… @user_… Even DeepSeek admits …", X posts): not the subject.
REPLY_TO = re.compile(r"(?m)^(?:@\w+[ \t]+)+(?=[^@\s])")
#: Penn tags of finite verbs: a line with one in lower case before its colon ("Sam Altman said: we …", "Users note
#: that …: …") is a sentence, not a heading; a title's capitalised verb ("FinRL-DeepSeek Webinar Announced:") is not.
FINITE = frozenset({"VBD", "VBZ", "VBP", "MD"})


@Language.component("recap_meta_sentences")
def recap_meta_sentences(doc: Any) -> Any:
    """Mark the token opening each :data:`RECAP_META` bracket, the first
    token after it, a pseudonym after a sentence's closing punctuation, the
    first token after a blank line or after the accounts a reply opens with
    (:data:`REPLY_TO`), and the first token after a line's
    :data:`HEADING` (unless a finite verb precedes its colon, :data:`FINITE`;
    the tagger runs before this component) as sentence
    starts (``Token.is_sent_start``); add it before ``parser``. Other tokens
    are left to the parser."""
    text = doc.text
    starts, metas = set(), []
    for m in RECAP_META.finditer(text):
        starts.add(m.start() + len(m.group()) - len(m.group().lstrip()))
        starts.add(m.end())
        metas.append(m.span())
    starts.update(m.end() for m in REPLY_TO.finditer(text))
    finite = [t.idx for t in doc if t.tag_ in FINITE and not t.text[:1].isupper()]  # "Webinar Announced:" is a title
    for m in HEADING.finditer(text):
        while m and not any(m.start() <= i < m.end() for i in finite) and \
                not any(a <= m.end() - 1 <= b for a, b in metas):
            starts.add(m.end())  # not "Title (Score: 134"; a second heading on the line ("Dilemma: Ethics: …") too
            m = _SUBHEADING.match(text, m.end())
    for tok in doc:
        if tok.i == 0 or tok.is_space:
            continue
        prev = doc[tok.i - 1]
        if tok.idx in starts or (prev.text in (".", "!", "?") and PSEUDONYM.match(tok.text)) or \
                "\n\n" in text[prev.idx + (0 if prev.is_space else len(prev)):tok.idx]:
            tok.is_sent_start = True
    return doc
