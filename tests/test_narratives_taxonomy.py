"""The narrative taxonomy as data (:mod:`pipeline.narratives.taxonomy`, issue 19 part 1).

The shipped ``corpora/narratives.yaml`` is loaded against the real stance
labels of ``params.yaml``; every broken variant is the real file with one
entry edited in ``tmp_path``, and must fail naming the file, the line, the
entry (index and key) and the key at fault.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from pipeline.config import NARRATIVES_FILE, ConfigError, load_params
from pipeline.narratives.taxonomy import KEY_PATTERN, anchor_texts, load_narratives, zero_shot_texts

SIDES = tuple(load_params("stance")["labels"])


def real() -> dict[str, Any]:
    """A fresh parse of the shipped taxonomy file."""
    return yaml.safe_load(NARRATIVES_FILE.read_text(encoding="utf-8"))


def write(tmp_path: Path, doc: Any) -> Path:
    path = tmp_path / "narratives.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def fault(path: Path, index: int, key: str, name: str) -> str:
    """Load ``path``, expect a ConfigError, check its address; return the message."""
    with pytest.raises(ConfigError) as info:
        load_narratives(path, sides=SIDES)
    msg = str(info.value)
    head = re.match(rf"{re.escape(str(path))}:(\d+): narratives\[{index}\] \(key: {re.escape(key)}\): "
                    rf"key '{re.escape(name)}' ", msg)
    assert head, msg
    line = path.read_text(encoding="utf-8").splitlines()[int(head.group(1)) - 1]
    # the line named is the key at fault, or (when that key is missing) the start of the entry
    assert f"{name}:" in line or line.lstrip().startswith("- "), (msg, line)
    return msg


def test_the_shipped_taxonomy_loads_against_the_stance_labels():
    tax = load_narratives(sides=SIDES)
    doc = real()
    assert tax.path == NARRATIVES_FILE
    assert tax.keys == tuple(e["key"] for e in doc["narratives"])  # file order, nothing dropped
    assert len(set(tax.keys)) == len(tax.keys) >= 2
    assert tax.codebook_version and tax.codebook_document.endswith(".md")
    assert all(KEY_PATTERN.match(k) for k in tax.keys)
    assert all(n.claim.strip() for n in tax.narratives)
    assert all(n.side is None or n.side in SIDES for n in tax.narratives)
    assert sum(n.catch_all for n in tax.narratives) <= 1
    # every narrative with a claim of its own has cues to embed, and serves a side or says it serves none
    assert all(n.cues for n in tax.narratives if not n.catch_all)
    assert tax[tax.keys[0]] is tax.narratives[0]
    with pytest.raises(KeyError, match="no narrative"):
        tax["not.a.key"]


def test_zero_shot_texts_are_claim_and_cues_without_the_catch_all():
    tax = load_narratives(sides=SIDES)
    texts = zero_shot_texts(tax)
    assert list(texts) == [n.key for n in tax.narratives if not n.catch_all]
    for n in tax.narratives:
        if n.catch_all:
            continue
        assert texts[n.key].startswith(n.claim)
        assert all(cue in texts[n.key] for cue in n.cues)
        assert not any(ex in texts[n.key] for ex in n.exclusions)  # exclusions are not cues


def test_adding_and_renaming_narratives_needs_no_code_change(tmp_path):
    doc = real()
    old = doc["narratives"][1]["key"]
    text = NARRATIVES_FILE.read_text(encoding="utf-8").replace(f"key: {old}\n", "key: renamed.claim\n")
    text = text.replace(f"`{old}`", "`renamed.claim`")  # references to it follow the rename
    doc = yaml.safe_load(text)
    doc["narratives"].insert(0, {"key": "energy.grid", "claim": "AI data centres strain the power grid.",
                                 "cues": ["grid", "gigawatts"], "exclusions": [], "side": None})
    tax = load_narratives(write(tmp_path, doc), sides=SIDES)
    assert tax.keys[0] == "energy.grid" and "renamed.claim" in tax.keys and old not in tax.keys
    assert zero_shot_texts(tax)["energy.grid"] == "AI data centres strain the power grid. grid; gigawatts"
    # the classifier's similarity features follow the file too: one group per claim, then one per cue list
    anchors = anchor_texts(tax)
    n_claims = len(zero_shot_texts(tax))
    assert anchors[0] == (0, "AI data centres strain the power grid.")
    assert [t for g, t in anchors if g == n_claims] == ["grid", "gigawatts"]
    n_cue_groups = sum(1 for n in tax.narratives if n.cues and not n.catch_all)
    assert {g for g, _ in anchors} == set(range(n_claims + n_cue_groups))


def test_sides_are_those_passed_in_not_a_fixed_list(tmp_path):
    tax_doc = real()
    first = next(i for i, e in enumerate(tax_doc["narratives"]) if e["side"] is not None)
    entry = tax_doc["narratives"][first]
    with pytest.raises(ConfigError, match=rf"narratives\[{first}\] \(key: {re.escape(entry['key'])}\): "
                                          rf"key 'side' is '{entry['side']}'; expected one of the stance "
                                          r"labels \['for', 'against'\]"):
        load_narratives(sides=("for", "against"))
    for e in tax_doc["narratives"]:
        e["side"] = {None: None}.get(e["side"], "for")
    assert {n.side for n in load_narratives(write(tmp_path, tax_doc), sides=("for", "against")).narratives} \
        <= {"for", None}


def _del(entry, name):
    del entry[name]


EDITS = {  # name: (key at fault, edit of one entry, words the message must carry)
    "missing claim": ("claim", lambda e: _del(e, "claim"), "is missing"),
    "missing side": ("side", lambda e: _del(e, "side"), "is missing"),
    "misspelt key": ("cues", lambda e: e.update(cue=e.pop("cues")), "is missing (required: ['key', 'claim', 'cues', "
                     "'exclusions', 'side']); unknown key(s) ['cue']"),
    "unknown key": ("claims", lambda e: e.update(claims="typo"), "is not a known key"),
    "empty claim": ("claim", lambda e: e.update(claim="   "), "non-empty string"),
    "claim as list": ("claim", lambda e: e.update(claim=["a", "b"]), "non-empty string"),
    "side not a stance label": ("side", lambda e: e.update(side="hawk"), "'hawk'; expected one of the stance labels"),
    "side as list": ("side", lambda e: e.update(side=list(SIDES[:2])), "expected one of the stance labels"),
    "cues as string": ("cues", lambda e: e.update(cues="backdoor"), "must be a list of strings, got str"),
    "cue read as bool": ("cues", lambda e: e.update(cues=[*e["cues"], True]), "got bool True"),
    "empty exclusion": ("exclusions", lambda e: e.update(exclusions=[""]), "non-empty string"),
    "notes as mapping": ("notes", lambda e: e.update(notes={"a": 1}), "got dict"),
    "catch_all as string": ("catch_all", lambda e: e.update(catch_all="yes"), "true or false"),
    "key with capitals": ("key", lambda e: e.update(key="Risk.Security"), "lower-case dotted id"),
    "reference to no key": ("exclusions", lambda e: e.update(exclusions=["see `no.such`"]),
                            "cites `no.such`, which names no"),
}


@pytest.mark.parametrize("case", sorted(EDITS))
def test_a_broken_entry_is_named_with_its_key(tmp_path, case):
    name, edit, words = EDITS[case]
    doc = real()
    index = len(doc["narratives"]) // 2
    entry = doc["narratives"][index]
    edit(entry)
    msg = fault(write(tmp_path, doc), index, entry["key"], name)
    assert words in msg


def test_a_repeated_key_names_both_entries(tmp_path):
    doc = real()
    later = len(doc["narratives"]) - 1
    doc["narratives"][later]["key"] = doc["narratives"][0]["key"]
    assert "repeats narratives[0]" in fault(write(tmp_path, doc), later, doc["narratives"][0]["key"], "key")


def test_a_second_catch_all_and_a_dangling_reference_after_a_rename_fail(tmp_path):
    doc = real()
    doc["narratives"][0]["catch_all"] = True
    doc["narratives"][-1]["catch_all"] = True
    assert "second catch-all" in fault(write(tmp_path, doc), len(doc["narratives"]) - 1,
                                       doc["narratives"][-1]["key"], "catch_all")
    # renaming a key that another entry cites, without updating the citation
    doc = real()
    cited = {r: i for i, e in enumerate(doc["narratives"]) for x in e["exclusions"]
             for r in re.findall(r"`([a-z_.]+)`", x)}
    target = next(i for i, e in enumerate(doc["narratives"]) if e["key"] in cited)
    old = doc["narratives"][target]["key"]
    doc["narratives"][target]["key"] = "renamed.claim"
    first_citer = min(i for i, e in enumerate(doc["narratives"]) if any(f"`{old}`" in x for x in e["exclusions"]))
    msg = fault(write(tmp_path, doc), first_citer, doc["narratives"][first_citer]["key"], "exclusions")
    assert f"cites `{old}`, which names no narrative" in msg


def test_a_broken_file_layout_fails_with_the_file_named(tmp_path):
    doc = real()
    path = tmp_path / "narratives.yaml"
    cases = [
        ({"narratives": doc["narratives"]}, "exactly the top-level keys"),
        ({**doc, "narratives": []}, "'narratives' must be a non-empty list"),
        ({**doc, "codebook": {"document": "x.md"}}, "codebook: key 'version' must be a non-empty string"),
        ({**doc, "codebook": {**doc["codebook"], "url": "x"}}, "codebook: unknown key(s) ['url']"),
        ({**doc, "narratives": ["risk.security", *doc["narratives"][1:]]}, "narratives[0]: expected a mapping"),
    ]
    for bad, words in cases:
        write(tmp_path, bad)
        with pytest.raises(ConfigError) as info:
            load_narratives(path, sides=SIDES)
        assert str(info.value).startswith(str(path)) and words in str(info.value), (words, str(info.value))
    path.write_text(NARRATIVES_FILE.read_text(encoding="utf-8").replace("    claim:", "  claim:", 1))
    with pytest.raises(ConfigError, match=rf"^{re.escape(str(path))}: not valid YAML"):
        load_narratives(path, sides=SIDES)
    with pytest.raises(ConfigError, match="cannot read"):
        load_narratives(tmp_path / "absent.yaml", sides=SIDES)
