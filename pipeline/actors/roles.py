"""Who holds a role that a speaker span names: "The CEO of Deepseek said …",
"Anthropic CEO Dario said …", "Nvidia's chief executive said …" are the
words of the listed person who holds that role (``roles`` in
``corpora/actors.yaml``), not of the company. Session-30 review: such quotes
were credited to the company although the person is listed.

The roles listed are those one person held over the whole corpus period
(2023-01 to 2026-08), so no date is checked; a role that changed hands in
that period (Scale AI's CEO, the Secretary of Commerce, the President) is not
listed, and its quotes stay the organisation's.
"""

from __future__ import annotations

import re
from typing import Any

from pipeline.actors.registry import Actor


def _names_role(text: str, role: str) -> bool:
    """Whether ``text`` holds ``role`` as whole words, singular ("CEO", not "CEOs" nor "co-CEO")."""
    return re.search(r"(?<![\w-])" + re.escape(role.lower()) + r"(?![\w-])", text.lower()) is not None


def role_holder(span: Any, head: Any, org: Actor, registry: dict[str, Actor]) -> Actor | None:
    """The listed person whose role at ``org`` the speaker ``span`` names, or ``None``.

    Args:
        span: the speaker span (spaCy ``Span`` with the actor ruler's entities).
        head: its root: a role word of the role ("The **CEO** of Deepseek",
            "Nvidia's chief **executive**") or the holder's first name
            ("Anthropic CEO **Dario**"); any other head is something the
            role-holder has or does ("Nvidia CEO's comments"), not them.
        org: the organisation the span speaks for (an actor of ``registry``).
        registry: canonical name → :class:`~pipeline.actors.registry.Actor`.

    A span that names another person ("OpenAI CEO Emmett Shear") is not the
    holder's; nor is a plural ("the CEOs of OpenAI and Anthropic"). With
    ``role_of`` the org must be named by one of those aliases ("DeepMind
    CEO" is Demis Hassabis, "Google's CEO" Sundar Pichai).
    """
    named = [e for e in span.ents if e.ent_id_ == org.actor]
    for person in registry.values():
        if person.org != org.actor or not person.roles:
            continue
        if person.role_of and not any(e.text.lower() in {x.lower() for x in person.role_of} for e in named):
            continue
        first = person.actor.split()[0]
        others = [e for e in span.ents if e.label_ == "PERSON" and e.text != first and e.ent_id_ != person.actor]
        if others:
            continue
        for role in person.roles:
            if _names_role(span.text, role) and (head.text == first or _names_role(head.text, role.split()[-1])):
                return person
    return None
