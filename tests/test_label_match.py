"""One matcher names the current passage of every passage label, stance and
narrative alike (:mod:`pipeline.label_match`), on a real corpus document and
real label lines, through a real DuckDB."""

from __future__ import annotations

import json

import duckdb
import pandas as pd

from pipeline.config import DEMO_CORPUS_DIR, NARRATIVE_PASSAGE_LABEL_FILE, STANCE_PASSAGE_LABEL_FILE, load_params
from pipeline.label_match import match_labels, read_targets
from pipeline.label_records import unmatched_note
from pipeline.narratives import labels as narrative_labels
from pipeline.narratives.taxonomy import load_narratives
from pipeline.stance.passage_labels import read_passage_labels

STANCES = list(load_params("stance")["labels"])


def _body() -> str:
    return json.loads((DEMO_CORPUS_DIR / "jsonl/technews_articles.jsonl").read_text().splitlines()[0])["body"]


def _databases(tmp_path, documents: pd.DataFrame, passages: pd.DataFrame):
    """A clean and an embed database holding ``documents`` and ``passages`` (the columns the matcher reads)."""
    clean, embed = tmp_path / "clean.duckdb", tmp_path / "embed.duckdb"
    documents = documents.assign(is_relevant=documents.get("is_relevant", True))
    for path, table, frame in ((clean, "documents", documents), (embed, "passages", passages)):
        with duckdb.connect(str(path)) as con:
            con.register("frame", frame)
            con.execute(f"CREATE TABLE {table} AS SELECT * FROM frame")
    with duckdb.connect(str(clean)) as con:  # as pipeline/sql/clean/001_init.sql defines it
        con.execute("CREATE VIEW corpus AS SELECT * FROM documents WHERE is_relevant AND duplicate_of IS NULL")
    return clean, embed


def test_a_label_names_the_passage_that_covers_it_and_says_how(tmp_path):
    body = _body()
    cut = body.index(" ", len(body) // 2)
    first, second = body[:cut], body[cut:]
    again = " ".join(second.split()[:12])  # words that the second document below holds twice
    lead = again + " " + first
    twice = lead + "\n\n" + again
    documents = pd.DataFrame({"doc_id": ["d1", "d2", "d1-copy", "d1-copy2", "gone"],
                              "source_file": ["s"] * 5, "native_id": ["n", "n2", "copy", "copy2", "dropped"],
                              "text": [body, twice, body, body, body],
                              "duplicate_of": [None, None, "d1", "d1-copy", None],  # copy2 repeats the copy
                              "is_relevant": [True, True, False, False, False]})  # "dropped": not relevant
    passages = pd.DataFrame({"passage_id": ["p1", "p2", "q1", "q2"], "doc_id": ["d1", "d1", "d2", "d2"],
                             "char_start": [0, cut, 0, len(lead) + 2],
                             "char_end": [cut, len(body), len(lead), len(twice)],
                             "text": [first, second, lead, again]})
    clean, embed = _databases(tmp_path, documents, passages)
    labels = pd.DataFrame({"source_file": ["s"] * 8 + ["other", "s", "s", "s"],
                           "native_id": ["n", "n", "n", "n", "n", "copy", "n2", "n", "n", "copy2", "dropped", "n"],
                           "passage": [body[cut - 10:cut + 200],  # across the cut, mostly the second passage
                                       body[5:60],  # inside the first
                                       "\n".join(first.split()),  # the first passage, its line breaks changed
                                       "not in the text",
                                       "@someone " + second.strip(),  # cleaned differently since it was read
                                       body[5:60],  # read on a copy of the post
                                       again,  # first inside q1, but q2 is this text
                                       body,  # the whole document: more than either passage
                                       body[:50],
                                       body[5:60],  # read on a copy of the copy
                                       body[5:60],  # a document no longer in the corpus
                                       "@someone " + second.strip() + " " + second.strip()]})  # p2 under half
    docs, spans = read_targets(clean, embed, labels)
    assert sorted(docs["native_id"]) == ["copy", "copy2", "n", "n2"]
    assert set(docs.loc[docs["native_id"].isin(["copy", "copy2"]), "doc_id"]) == {"d1"}
    out = match_labels(labels, docs, spans, text="passage")
    assert out[["doc_id", "passage_id", "match"]].values.tolist() == [
        ["d1", "p2", "overlap"], ["d1", "p1", "within"], ["d1", "p1", "exact"], ["d1", None, "none"],
        ["d1", "p2", "contains"], ["d1", "p1", "within"], ["d2", "q2", "exact"], ["d1", "p1", "contains"],
        [None, None, "no_document"], ["d1", "p1", "within"], [None, None, "no_document"], ["d1", None, "none"]]
    # the stages name the labels that match no passage by file and line, so they can be found and re-read
    out["line"] = range(1, len(out) + 1)
    note = unmatched_note(STANCE_PASSAGE_LABEL_FILE, out.loc[out["match"] == "no_document", "line"].tolist(),
                          out.loc[out["match"] == "none", "line"].tolist(), "stance")
    assert note == ("stance: labels that match no current passage (they still train from their own text): 2 name a "
                    "document that is not in the corpus (a duplicate or dropped): stance_passages_v1.jsonl:9, "
                    "stance_passages_v1.jsonl:11; 2 are not in their stored document's text: "
                    "stance_passages_v1.jsonl:4, stance_passages_v1.jsonl:12")
    assert unmatched_note(STANCE_PASSAGE_LABEL_FILE, [], [], "stance") is None
    assert unmatched_note(STANCE_PASSAGE_LABEL_FILE, [], list(range(1, 15)), "stance").endswith(":10 and 4 more")


def test_both_label_files_join_a_repost_to_the_post_it_repeats(tmp_path):
    """The X export's reposts are copies (``documents.duplicate_of``) with no passages of their own; 9
    stance and 9 narrative labels were read on such copies and named no passage (session 31). Line 205 of
    both label files is one: each file's label joins the canonical post's passage."""
    line = json.loads(NARRATIVE_PASSAGE_LABEL_FILE.read_text(encoding="utf-8").splitlines()[204])
    assert line["native_id"] == "1886401051919605902" and line["passage"].startswith("Don't support OpenAi")
    text = "Reposted by a listed account\n\n" + line["passage"]
    documents = pd.DataFrame({"doc_id": ["canon", "copy"], "source_file": [line["source"]] * 2,
                              "native_id": ["1886000000000000001", line["native_id"]], "text": [text, text],
                              "duplicate_of": [None, "canon"]})
    start = text.index(line["passage"])
    passages = pd.DataFrame({"passage_id": ["canon-0000", "canon-0001"], "doc_id": ["canon", "canon"],
                             "char_start": [0, start], "char_end": [start - 2, len(text)],
                             "text": [text[:start - 2], line["passage"]]})
    clean, embed = _databases(tmp_path, documents, passages)
    gold = narrative_labels.read_labels(NARRATIVE_PASSAGE_LABEL_FILE, list(load_narratives(sides=STANCES).keys))
    gold = gold[gold["line"] == 205]
    joined = match_labels(gold, *read_targets(clean, embed, gold))
    assert joined[["doc_id", "passage_id", "match"]].values.tolist() == [["canon", "canon-0001", "exact"]]
    plab = read_passage_labels(labels=STANCES)
    plab = plab[plab["native_id"] == line["native_id"]]
    assert plab["passage"].tolist() == [line["passage"]]
    joined = match_labels(plab, *read_targets(clean, embed, plab), text="passage")
    assert joined[["doc_id", "passage_id", "match"]].values.tolist() == [["canon", "canon-0001", "exact"]]


def test_a_label_read_on_a_repost_that_replies_to_another_account_names_the_canonical_post(tmp_path):
    """Session 33: line 1579 of both label files was read on an X repost ("@user_50d4809608 O3-mini was just
    exposed …") whose canonical post replies to another account and names no passage: 4 stance and 4
    narrative labels matched none. The same words up to leading reply accounts and t.co link codes name the
    canonical post's passage, as a ``variant`` (the report does not cite it as the label's words)."""
    import csv

    line = json.loads(STANCE_PASSAGE_LABEL_FILE.read_text(encoding="utf-8").splitlines()[1578])
    assert line["native_id"] == "1886262578093117701" and line["passage"].startswith("@user_50d4809608 O3-mini")
    words = line["passage"].split(" ", 1)[1]
    with (DEMO_CORPUS_DIR / "social/x_posts_deepseek_2025-02-03.csv").open(encoding="utf-8", newline="") as f:
        posts = {r["id_str"]: r["full_text"] for r in csv.DictReader(f) if words[:60] in r["full_text"]}
    assert len(posts) >= 2 and line["native_id"] in posts  # the repost and the post it repeats
    canon_id = next(i for i, t in posts.items() if not t.startswith("@user_50d4809608"))
    canon = posts[canon_id].strip()
    documents = pd.DataFrame({"doc_id": ["canon", "copy"], "source_file": [line["source"]] * 2,
                              "native_id": [canon_id, line["native_id"]],
                              "text": [canon, posts[line["native_id"]]], "duplicate_of": [None, "canon"]})
    passages = pd.DataFrame({"passage_id": ["canon-0000"], "doc_id": ["canon"], "char_start": [0],
                             "char_end": [len(canon)], "text": [canon]})
    clean, embed = _databases(tmp_path, documents, passages)
    for labels, column in ((read_passage_labels(labels=STANCES), "passage"),
                           (narrative_labels.read_labels(NARRATIVE_PASSAGE_LABEL_FILE,
                                                         list(load_narratives(sides=STANCES).keys)), "text")):
        gold = labels[labels["line"] == 1579]
        out = match_labels(gold, *read_targets(clean, embed, gold), text=column)
        assert out[["doc_id", "passage_id", "match"]].values.tolist() == [["canon", "canon-0000", "variant"]]
    other = pd.DataFrame({"source_file": [line["source"]], "native_id": [line["native_id"]],
                          "passage": ["@user_50d4809608 O3-mini was exposed for something else entirely"]})
    assert match_labels(other, *read_targets(clean, embed, other), text="passage")["match"].tolist() == ["none"]
