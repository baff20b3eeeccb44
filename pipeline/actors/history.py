"""What a document has named so far, for the quote finder's pronouns and
surnames (:class:`History`), and the subjects a pronoun may refer to
(:meth:`History.antecedents`)."""

from __future__ import annotations

from pipeline.actors.registry import Actor

#: The subject of a sentence that names a commenter (:data:`pipeline.actors.spans.COMMENTER_HEADS`): a later
#: pronoun speaks for no one the finder can name (a pseudonymised account's sentence gives that account, of the
#: same kind).
SOMEONE = Actor("unknown", "someone", ())
#: The subject of a sentence that names no one (not "the company"): a later "it" or "they" is that thing
#: ("The post attributes … It further claims …" was the White House's, named before; session-28 review).
THING = Actor("unknown", "thing", ())
#: How many sentences back "he", "she" or "the company" may look for a named subject, skipping sentences
#: whose subject names no one ("I", "That"). A news article quotes a memo for paragraphs ("I expect …") before
#: "In that, even longer note, he said …" (Engadget on Mark Zuckerberg, quote gold set). Session 30: over the
#: corpus this window named the listed speaker of 8 more such pronouns, on reading 6 right, 1 partly (TikTok's CEO
#: credited to ByteDance) and 1 wrong (an adviser's line in a conversation Trump recounted). "They" and "it" keep
#: the last two sentences: the window named a company for 3 "They" of forum recaps' members, all wrong.
WINDOW = 12


class History(list):
    """What a document has named so far: a list of :class:`Actor` mentions
    (listed actors and stand-ins for unlisted names, for surnames), and
    ``subjects``, the actor each sentence's main subject named (or None),
    for pronouns."""

    def __init__(self) -> None:
        super().__init__()
        self.subjects: list[Actor | None] = []

    def antecedents(self, far: bool) -> list[Actor]:
        """The subjects a pronoun may refer to, most recent first, None entries
        left out: those of the last two sentences ("they", "it"), and for
        ``far`` ("he", "she", "the company") then the next two named ones of
        the last :data:`WINDOW` sentences."""
        near = [s for s in reversed(self.subjects[-2:]) if s is not None]
        if not far:
            return near
        return near + [s for s in reversed(self.subjects[-WINDOW:-2]) if s is not None][:2]
