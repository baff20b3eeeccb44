"""The per-stage result store on real corpus files."""

from __future__ import annotations

import hashlib

from pipeline.config import DEMO_CORPUS_DIR
from pipeline.stage_cache import KeyedStore


def _essays() -> dict[str, str]:
    files = sorted((DEMO_CORPUS_DIR / "markdown").rglob("*.md"))[:6]
    return {hashlib.sha256(f.read_bytes()).hexdigest(): f.read_text(encoding="utf-8") for f in files}


def test_fill_computes_only_missing_keys_and_keeps_only_used_ones(tmp_path):
    essays = _essays()
    keys = list(essays)
    calls = []

    def words(wanted):
        def compute(todo):  # positions in ``wanted``
            calls.append(list(todo))
            return {i: essays[wanted[i]].split()[:50] for i in todo}
        return compute

    first = KeyedStore(tmp_path, "words", "codea").fill(keys[:4], words(keys[:4]))
    assert calls == [[0, 1, 2, 3]]
    assert first == [essays[k].split()[:50] for k in keys[:4]]
    (tmp_path / "words-0123456789abcdef.pkl.tmp-1234").write_bytes(b"a killed run's temporary file")
    neighbour = tmp_path / "words-cv-0123456789abcdef.pkl"  # another store of the folder
    neighbour.write_bytes(b"kept")

    store = KeyedStore(tmp_path, "words", "codea")
    second = store.fill(keys[2:], words(keys[2:]))  # keys 2 and 3 stored, 4 and 5 new
    assert calls[1] == [2, 3] and store.computed == 2
    assert second == [essays[k].split()[:50] for k in keys[2:]]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([store.file.name, neighbour.name]), \
        "temporary files of killed runs go, other stores' files stay"
    neighbour.unlink()

    again = KeyedStore(tmp_path, "words", "codea")
    assert again.get(keys[0]) is None, "keys unused by the last run are dropped"
    assert again.fill(keys[2:], words(keys[2:])) == second and again.computed == 0

    other = KeyedStore(tmp_path, "words", "codeb")  # another code digest starts empty
    assert other.fill(keys[2:3], words(keys[2:3])) == second[:1] and other.computed == 1
    assert [p.name for p in tmp_path.iterdir()] == [other.file.name]


def test_a_corrupt_store_is_recomputed(tmp_path, capsys):
    essays = _essays()
    keys = list(essays)[:2]
    store = KeyedStore(tmp_path, "words", "code")
    store.fill(keys, lambda todo: {i: len(essays[keys[i]]) for i in todo})
    store.file.write_bytes(store.file.read_bytes()[:20])  # cut short, as by a full disk
    fresh = KeyedStore(tmp_path, "words", "code")
    assert "unreadable" in capsys.readouterr().out
    assert fresh.fill(keys, lambda todo: {i: len(essays[keys[i]]) for i in todo}) == \
        [len(essays[k]) for k in keys] and fresh.computed == 2


def test_drop_legacy_removes_the_old_joblib_cache_only(tmp_path):
    from pipeline.stage_cache import drop_legacy

    essays = _essays()
    keys = list(essays)[:1]
    KeyedStore(tmp_path, "sources", "code").fill(keys, lambda todo: {i: essays[keys[i]][:100] for i in todo})
    (tmp_path / "joblib" / "pipeline" / "read_source").mkdir(parents=True)
    (tmp_path / "joblib" / "pipeline" / "read_source" / "output.pkl").write_bytes(b"old entry")
    (tmp_path / ".gitignore").write_text("# Created by joblib automatically.\n*\n")
    drop_legacy(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == [f"sources-{'code'[:16]}.pkl"]
    drop_legacy(None)  # a stage without a cache folder
