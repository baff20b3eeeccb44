"""Actor registry, entity ruler and the spaCy set-up
(:mod:`pipeline.actors.registry`, issue 6) on real corpus texts."""

from __future__ import annotations

import pytest

from pipeline.actors.registry import actor_in, load_actors, name_actor, ner_only
from pipeline.config import ConfigError
from tests.conftest import technews_body

HUAWEI = "https://techcrunch.com/2025/09/18/huawei-announces-new-ai-infrastructure-as-nvidia-gets-locked-out-of-china/"


def test_registry_is_consistent_and_conflicts_are_named(tmp_path):
    actors = load_actors()
    names = {a.actor for a in actors}
    assert {"DeepSeek", "Alibaba", "Moonshot AI", "Nvidia", "Huawei", "BIS", "CSET", "Hugging Face"} <= names
    assert all(a.org in names for a in actors if a.org)
    bad = tmp_path / "actors.yaml"
    bad.write_text("actors:\n  - {actor: A, kind: lab, aliases: [Qwen]}\n  - {actor: B, kind: lab, aliases: [qwen]}\n")
    with pytest.raises(ConfigError, match=r"actors\[2\] \(B\): alias 'qwen' already belongs to A"):
        load_actors(bad)
    bad.write_text("actors:\n  - {actor: A, kind: planet, aliases: []}\n")
    with pytest.raises(ConfigError, match="unknown kind 'planet'"):
        load_actors(bad)
    bad.write_text("actors:\n  - {actor: A, kind: lab, aliases: [Qwen], products: [Qwen3]}\n")
    with pytest.raises(ConfigError, match=r"actors\[1\] \(A\): products that are not aliases: \['Qwen3'\]"):
        load_actors(bad)
    # every product is one of its actor's aliases, and the makers' own names are not products
    assert {"DeepSeek R1", "o3", "Claude", "Kimi"} <= {p for a in actors for p in a.products}
    assert not any(a.actor in a.products for a in actors)
    assert next(a for a in actors if a.actor == "DeepSeek").apps == ("DeepSeek",)  # the lab's name is its app's
    bad.write_text("actors:\n  - {actor: A, kind: lab, aliases: [Qwen], apps: [Qwen Chat]}\n")
    with pytest.raises(ConfigError, match=r"apps that are not aliases: \['Qwen Chat'\]"):
        load_actors(bad)
    # roles: a person's, at their org, under the org's aliases, and one holder per role and alias
    lab = "actors:\n  - {actor: Lab, kind: lab, aliases: [Lab, Lab Labs]}\n"
    bad.write_text(lab + "  - {actor: Ann Bee, kind: person, aliases: [Ann Bee], roles: [CEO]}\n")
    with pytest.raises(ConfigError, match=r"actors\[2\] \(Ann Bee\): roles need an org"):
        load_actors(bad)
    bad.write_text(lab + "  - {actor: Ann Bee, kind: person, org: Lab, aliases: [Ann Bee], roles: [CEO], "
                         "role_of: [Labz]}\n")
    with pytest.raises(ConfigError, match=r"\(Ann Bee\): role_of names that are not aliases of Lab: \['Labz'\]"):
        load_actors(bad)
    bad.write_text(lab + "  - {actor: Ann Bee, kind: person, org: Lab, aliases: [Ann Bee], roles: [CEO]}\n"
                         "  - {actor: Cy Dee, kind: person, org: Lab, aliases: [Cy Dee], roles: [ceo], "
                         "role_of: [Lab Labs]}\n")
    with pytest.raises(ConfigError, match=r"actors\[3\] \(Cy Dee\): role 'ceo' of Lab \(lab labs\) is already "
                                          r"Ann Bee's"):
        load_actors(bad)
    assert {a.actor for a in actors if "CEO" in a.roles} >= {"Dario Amodei", "Liang Wenfeng", "Jensen Huang"}


def test_ruler_makes_nvidia_and_huawei_organisations_with_canonical_ids(finder):
    doc = finder.nlp(technews_body(HUAWEI))
    found = {(e.text, e.label_, e.ent_id_) for e in doc.ents if e.ent_id_}
    assert ("Huawei", "ORG", "Huawei") in found and ("Nvidia", "ORG", "Nvidia") in found
    assert ("Ascend", "ORG", "Huawei") in found  # a product is an alias of its maker
    assert ("nvidia", "ORG", "Nvidia") in found  # case-insensitive


def test_aliases_of_one_actor_share_one_canonical_name(finder):
    doc = finder.nlp("deepseek-ai released weights. DeepSeek AI said so, and DeepSeek-V3 followed Qwen3 and Kimi K2.")
    ids = [e.ent_id_ for e in doc.ents]
    assert ids.count("DeepSeek") == 3 and "Alibaba" in ids and "Moonshot AI" in ids
    # case-sensitive aliases: the lab, not the adjective
    doc = finder.nlp("It is fair to say the moonshot failed, FAIR said, and Ascend chips ascend.")
    assert [(e.text, e.ent_id_) for e in doc.ents if e.ent_id_] == [("FAIR", "Meta"), ("Ascend", "Huawei")]


def test_a_span_names_its_person_before_its_organisation(finder):
    doc = finder.nlp("Nvidia CEO Jensen Huang spoke.")
    assert actor_in(doc[:4], finder.registry).actor == "Jensen Huang"
    assert actor_in(doc[:1], finder.registry).actor == "Nvidia"
    assert actor_in(doc[4:], finder.registry) is None


def test_bare_names_resolve_to_listed_actors_or_stand_ins(finder):
    assert name_actor(finder.nlp, finder.registry, "Secretary Lutnick") == "Howard Lutnick"
    assert name_actor(finder.nlp, finder.registry, "Association for the Advancement of Business AI") == \
        "other:Association for the Advancement of Business AI"
    assert finder.actor_of_name("Secretary Lutnick") == "Howard Lutnick"


def test_ner_only_leaves_the_entities_unchanged_on_a_real_article(finder):
    """The components :func:`ner_only` disables (the parse, for passages
    without a speech cue) do not change what the NER and the ruler find."""
    light = ner_only(finder.nlp)
    assert "parser" in light and "ner" not in light and "entity_ruler" not in light
    text = technews_body(HUAWEI)
    full = [(e.text, e.label_, e.ent_id_, e.start_char) for e in finder.nlp(text).ents]
    fast = [(e.text, e.label_, e.ent_id_, e.start_char) for e in finder.nlp(text, disable=light).ents]
    assert fast == full and len(full) > 10
