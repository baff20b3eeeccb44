"""A tiny published warehouse for the report's unit tests.

Eight real articles and recap lines of ``corpora/demo`` become documents
(one a duplicate, one not relevant, one undated, one window-dated, one a
merged recap of two records); their text is cut into passages, given
topics, narratives, stances, quotes and actors by hand, written into stage databases of
the real schemas (``pipeline/sql/<stage>``) and published by the real
:func:`pipeline.publish.publish`, which creates the views of
``pipeline/sql/warehouse`` (the report's included).
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from pipeline import warehouse
from pipeline.config import DEMO_CORPUS_DIR, SQL_DIR
from pipeline.embed import cite_records
from pipeline.narratives import tables as narrative_tables
from pipeline.narratives.taxonomy import load_narratives
from pipeline.publish import publish
from pipeline.stance.predict import write_long
from pipeline.stance.quantify import share_table
from pipeline.stance.sample_shares import period_start, sample_shares, sample_shares_by_period, sample_shares_by_type

LABELS = ("pro_open_source", "security_hawk", "pro_china_tools", "neutral", "off_topic")


def _articles(n: int) -> list[dict[str, Any]]:
    with open(DEMO_CORPUS_DIR / "jsonl" / "technews_articles.jsonl", encoding="utf-8") as fh:
        return [json.loads(line) for _, line in zip(range(n), fh)]


def _recaps(n: int) -> list[dict[str, Any]]:
    with open(DEMO_CORPUS_DIR / "social" / "ainews_social_recaps.jsonl", encoding="utf-8") as fh:
        return [json.loads(line) for _, line in zip(range(n), fh)]


def doc_id(source: str, native_id: str) -> str:
    """The project's document id: 16 hex digits of sha256(source, 0x1f, native_id)."""
    return hashlib.sha256(f"{source}\x1f{native_id}".encode()).hexdigest()[:16]


def _utc(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC)


def documents() -> pd.DataFrame:
    """The eight documents. Keys used by the tests: ``news1`` … ``news5``
    (ZDNET / TechCrunch articles), ``recap`` (an AINews line), ``merged``
    (a recap of two records), ``window`` (dated by a comment window)."""
    arts, recaps = _articles(6), _recaps(2)
    rows = []

    def add(name: str, source: str, source_type: str, native_id: str, text: str, *, url: str | None,
            published: datetime | None, outlet: str | None, platform: str, precision: str | None = "day",
            relevant: bool = True, duplicate_of: str | None = None, n_records: int = 1, lang: str = "en") -> None:
        text = " ".join(text.split())
        rows.append({"name": name, "doc_id": doc_id(source, native_id), "source": source,
                     "source_file": f"demo/{source}.jsonl", "native_id": native_id, "line": len(rows) + 1,
                     "platform": platform, "source_type": source_type, "url": url, "title": text[:60],
                     "author": None, "outlet": outlet, "published_at": published, "date_precision": precision,
                     "date_source": {"window": "date_window", None: "none"}.get(precision, "record_field"),
                     "lang": lang, "text": text, "n_chars": len(text),
                     "content_sha256": hashlib.sha256(text.encode()).hexdigest(), "duplicate_of": duplicate_of,
                     "duplicate_kind": "exact" if duplicate_of else None, "relevance": 0.9 if relevant else 0.1,
                     "relevance_terms": ["open-source"], "is_relevant": relevant, "n_records": n_records,
                     "raw_sha256": hashlib.sha256(native_id.encode()).hexdigest(),
                     "ingested_at": _utc("2026-01-01")})

    for i, (name, outlet) in enumerate([("news1", "ZDNET"), ("news2", "TechCrunch"), ("news3", "ZDNET"),
                                        ("news4", "The Verge")]):
        a = arts[i]
        add(name, "technews", "news", a["file"], a["body"], url=a["source_url"], published=_utc(a["date"]),
            outlet=outlet, platform="web")
    a = arts[4]  # the same article again: a duplicate of news1, not in the corpus
    add("dup", "clippings", "news", a["file"], arts[0]["body"], url=a["source_url"], published=_utc(a["date"]),
        outlet="Engadget", platform="web", duplicate_of=rows[0]["doc_id"])
    a = arts[5]
    add("irrelevant", "technews", "news", a["file"], a["body"], url=a["source_url"], published=_utc(a["date"]),
        outlet="TechCrunch", platform="web", relevant=False)
    for name, r, n_records in (("recap", recaps[0], 1), ("merged", recaps[1], 2)):
        add(name, "ainews", "recap", r["links"][0], r["text"], url=r["links"][0], published=_utc(r["issue_date"]),
            outlet=None, platform=r["platform"], n_records=n_records)
    add("window", "regulations", "policy", "NTIA-2023-0009-0001", arts[2]["body"][:600], url=None,
        published=_utc("2024-02-21"), outlet="NTIA", platform="regulations.gov", precision="window")
    add("undated", "technews", "news", "undated-1", arts[3]["body"][:500], url=None, published=None,
        outlet="The Verge", platform="web", precision=None, lang="de")
    return pd.DataFrame(rows)


def passages(docs: pd.DataFrame) -> pd.DataFrame:
    """Two passages per corpus document: its first 400 characters and the next 300."""
    rows = []
    for d in docs[docs["is_relevant"] & docs["duplicate_of"].isna()].itertuples():
        for idx, (start, end) in enumerate([(0, 400), (400, 700)]):
            text = d.text[start:end]
            if not text:
                continue
            rows.append({"passage_id": f"{d.doc_id}-{idx:04d}", "doc_id": d.doc_id, "idx": idx, "text": text,
                         "char_start": start, "char_end": start + len(text), "n_words": len(text.split()),
                         "text_sha256": hashlib.sha256(text.encode()).hexdigest(), "relevance": 0.8,
                         "in_narratives": True, "narrative_reason": "relevant"})
    return pd.DataFrame(rows)


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict[str, Any]] | pd.DataFrame) -> None:
    frame = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(rows)
    con.register("frame", frame)
    con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM frame")
    con.unregister("frame")


def build(tmp: Path) -> tuple[Path, dict[str, str]]:
    """Write the stage databases under ``tmp/stages`` and publish
    ``tmp/debate.duckdb``; returns its path and document name → doc_id."""
    docs = documents()
    ids = dict(zip(docs["name"], docs["doc_id"]))
    pas = passages(docs)
    pid = {(name, i): f"{ids[name]}-{i:04d}" for name in ids for i in (0, 1)}
    stages = tmp / "stages"
    clean_db, db = stages / "clean.duckdb", tmp / "debate.duckdb"
    with warehouse.build(clean_db, SQL_DIR / "clean", fresh=True) as con:
        _insert(con, "documents", docs.drop(columns="name"))
        # one record per document, its whole text (the merged recap's second record has no text here)
        _insert(con, "document_records", pd.DataFrame({
            "doc_id": docs["doc_id"], "record_idx": 0, "char_start": 0, "char_end": docs["n_chars"],
            "url": docs["url"], "published_at": docs["published_at"], "date_precision": docs["date_precision"],
            "line": docs["line"], "date_source": docs["date_source"]}))
        _insert(con, "rejects", [{"source": "technews", "source_file": "demo/technews.jsonl", "native_id": "x",
                                  "line": 99, "reason": "empty_text", "detail": "line 99: no text",
                                  "raw_sha256": None}])
    with warehouse.build(stages / "embed.duckdb", SQL_DIR / "embed", fresh=True) as con:
        _insert(con, "passages", pas)
        cite_records(con, clean_db)

    # topics: N-01 (news1, news2, recap, merged), N-02 (news2, news3, window), N-04 (news4, no dated
    # passage: its months are NULL), outliers elsewhere
    topic_of = {("news1", 0): ("N-01", 0.9, "cluster"), ("news1", 1): ("N-01", 0.3, "cluster"),
                ("news2", 0): ("N-01", 0.7, "cluster"), ("news2", 1): ("N-02", 0.0, "outlier_reduced"),
                ("recap", 0): ("N-01", 0.8, "cluster"), ("merged", 0): ("N-01", 0.95, "cluster"),
                ("news3", 0): ("N-02", 0.6, "cluster"), ("news3", 1): ("N-02", 0.55, "cluster"),
                ("window", 0): ("N-02", 0.4, "cluster"), ("window", 1): ("outlier", 0.0, "outlier"),
                ("news4", 0): ("outlier", 0.0, "outlier"), ("news4", 1): ("N-04", 0.0, "outlier_reduced")}
    pt = pd.DataFrame([{"passage_id": pid[k], "topic_key": v[0], "probability": v[1], "assignment": v[2]}
                       for k, v in topic_of.items()])
    pt["doc_id"] = pt["passage_id"].str.split("-").str[0]
    dt = pt[pt["topic_key"] != "outlier"].groupby(["doc_id", "topic_key"]).size().rename("n").reset_index()
    dt["share"] = dt["n"] / dt.groupby("doc_id")["n"].transform("sum")
    with warehouse.build(stages / "topics.duckdb", SQL_DIR / "topics", fresh=True) as con:
        _insert(con, "topics", [
            {"topic_key": "N-01", "topic_id": 1, "label": "open source, windows apps, free", "top_terms":
             ["open source", "apps", "free", "windows", "software", "linux"], "size": 5, "share": 5 / 12,
             "first_month": date(2024, 3, 1), "last_month": date(2026, 2, 1), "peak_month": date(2024, 3, 1)},
            {"topic_key": "N-02", "topic_id": 0, "label": "chinese model | benchmarks", "top_terms":
             ["chinese", "model", "gpt-5"], "size": 4, "share": 4 / 12, "first_month": date(2024, 2, 1),
             "last_month": date(2025, 11, 1), "peak_month": date(2025, 11, 1)},
            {"topic_key": "N-04", "topic_id": 2, "label": "attorney general, chatbots", "top_terms":
             ["attorney general", "chatbots"], "size": 1, "share": 1 / 12, "first_month": None,
             "last_month": None, "peak_month": None}])  # no dated passage
        _insert(con, "passage_topics", pt.drop(columns="doc_id"))
        _insert(con, "doc_topics", dt.drop(columns="n"))
        _insert(con, "topics_over_time", [
            {"topic_key": "N-01", "period": date(2025, 10, 1), "n_passages": 2, "share_of_period": 1.0,
             "top_terms_period": ["open", "source", "apps", "free", "windows", "linux"]},
            {"topic_key": "N-02", "period": date(2025, 11, 1), "n_passages": 2, "share_of_period": 1.0,
             "top_terms_period": ["chinese", "model"]}])
        _insert(con, "topic_representatives", [
            {"topic_key": "N-01", "rank": 1, "passage_id": pid["news1", 0], "doc_id": ids["news1"], "similarity": .9},
            {"topic_key": "N-01", "rank": 2, "passage_id": pid["recap", 0], "doc_id": ids["recap"], "similarity": .8},
            {"topic_key": "N-01", "rank": 3, "passage_id": pid["news2", 0], "doc_id": ids["news2"], "similarity": .7},
            {"topic_key": "N-02", "rank": 1, "passage_id": pid["news3", 1], "doc_id": ids["news3"], "similarity": .6}])
        _insert(con, "retired_topic_keys", [{"topic_key": "N-03", "label": "gone", "created_run": "a",
                                             "retired_run": "b"}])

    def probs(label: str, p: float) -> dict[str, float]:
        rest = (1 - p) / 4
        return {f"p_{lab}": (p if lab == label else rest) for lab in LABELS}

    stance_of = {"news1": ("pro_open_source", 0.7), "news2": ("pro_open_source", 0.9),
                 "news3": ("security_hawk", 0.6), "news4": ("neutral", 0.5), "recap": ("pro_open_source", 0.8),
                 "merged": ("security_hawk", 0.9), "window": ("pro_china_tools", 0.5),
                 "undated": ("off_topic", 0.6)}
    # evidence: the first passage of each unlabelled document decided a stance (the window document's has no URL)
    evidence_of = {n: pid[n, 0] for n, (lab, _) in stance_of.items() if lab in LABELS[:3] and n not in ("news2",
                                                                                                          "news3")}
    stance_rows = pd.DataFrame([{"doc_id": ids[n], "label": lab, **probs(lab, p), "model_version": "m-1",
                                 "evidence_passage_id": evidence_of.get(n)} for n, (lab, p) in stance_of.items()])
    with warehouse.build(stages / "stance.duckdb", SQL_DIR / "stance", fresh=True) as con:
        write_long(con, stance_rows, "stances", "stance_probabilities")
        write_long(con, pd.DataFrame([{"passage_id": q, "label": stance_of[n][0],
                                       **probs(stance_of[n][0], 0.6 + 0.1 * i), "model_version": "m-1"}
                                      for i, (n, q) in enumerate(evidence_of.items())]),
                   "passage_stances", "passage_stance_probabilities")
        unlabelled = stance_rows[~stance_rows["doc_id"].isin([ids["news2"], ids["news3"]])]
        meta = docs.set_index("doc_id").loc[unlabelled["doc_id"], ["published_at", "source_type"]].reset_index()
        P = unlabelled[[f"p_{lab}" for lab in LABELS]].to_numpy()
        cv_y, cv_pred = np.array([0, 1]), np.array([0, 0])
        _insert(con, "stance_shares", share_table(meta, np.array([LABELS.index(v) for v in unlabelled["label"]]), P,
                                                  cv_y, cv_pred, np.eye(len(LABELS))[cv_pred], LABELS, reps=50,
                                                  seed=0))
        _insert(con, "stance_quantification_error", [
            {"method": method, "label": lab, "mean_abs_error": err, "max_abs_error": 0.1, "stored": stored,
             "quoted": method == "acc_max_rule"}
            for method, err, stored in (("acc_max_rule", 0.05, True), ("cc_max_rule", 0.08, True),
                                        ("acc", 0.3, False), ("cc", 0.2, False), ("pcc", 0.06, False),
                                        ("prior", 0.07, False))
            for lab in LABELS])
        # shares by reading: the two labelled documents are their sources' samples
        labelled = docs.set_index("doc_id").loc[[ids["news2"], ids["news3"]], "source_file"]
        _insert(con, "stance_sample_shares", sample_shares(labelled, ["pro_open_source", "security_hawk"],
                                                           docs.set_index("doc_id").loc[stance_rows["doc_id"],
                                                                                        "source_file"], LABELS))
        files = docs.set_index("doc_id").loc[stance_rows["doc_id"]]
        _insert(con, "stance_sample_shares_by_type", sample_shares_by_type(
            dict(zip(files["source_file"], files["source_type"])), labelled, ["pro_open_source", "security_hawk"],
            files["source_file"], LABELS))
        dated = files.reset_index()[["doc_id", "source", "source_file", "published_at"]]
        dated = dated.assign(period=period_start(dated["published_at"], "quarter")).drop(columns="published_at")
        by_period = sample_shares_by_period(dated.set_index("doc_id").loc[labelled.index].assign(
            label=["pro_open_source", "security_hawk"]), dated, LABELS)
        _insert(con, "stance_sample_shares_by_period", by_period.assign(unit="quarter"))
        _insert(con, "stance_codebook", [{"label": lab, "description": f"the {lab} side"} for lab in LABELS])
        _insert(con, "stance_labels", [{"doc_id": ids["news2"], "label": "pro_open_source", "annotator": "a",
                                        "cv_prediction": "pro_open_source"},
                                       {"doc_id": ids["news3"], "label": "security_hawk", "annotator": "a",
                                        "cv_prediction": "pro_open_source"}])
        # passages read as security_hawk: news3's second one (predicted so out of fold), news1's (not)
        _insert(con, "stance_passage_labels", [
            {"line": i + 1, "source_file": "stance_passages_v1.jsonl", "native_id": n, "doc_id": ids[n],
             "passage_id": pid[n, k], "match": "exact", "label": "security_hawk", "annotator": "b",
             "cv_prediction": pred}
            for i, (n, k, pred) in enumerate((("news3", 1, "security_hawk"), ("news1", 0, "neutral")))])

    # quotes: Meta (3 pro_open_source, 1 security_hawk), NVIDIA (2 security_hawk, one in an undated document)
    quote_rows = [("news1", "Meta", "pro_open_source", 0.7, "said_direct"),
                  ("news1", "Meta", "pro_open_source", 0.9, "said_direct"),
                  ("news2", "Meta", "pro_open_source", 0.6, "reported"),
                  ("news3", "Meta", "security_hawk", 0.8, "said_direct"),
                  ("news3", "NVIDIA", "security_hawk", 0.6, "according_to"),
                  ("undated", "NVIDIA", "security_hawk", 0.99, "said_direct"),
                  ("recap", "other:Someone", "pro_open_source", 0.9, "said_direct"),
                  ("news4", "unknown", "neutral", 0.5, "said_direct"),
                  ("window", "NTIA", "pro_china_tools", 0.7, "comment_author")]
    quotes, qstances = [], []
    for i, (name, actor, lab, p, cue) in enumerate(quote_rows):
        text = docs.set_index("name").at[name, "text"]
        start, end = 20 * i, 20 * i + 120
        qid = hashlib.sha256(f"{ids[name]}{start}{end}{cue}".encode()).hexdigest()[:16]
        quotes.append({"quote_id": qid, "doc_id": ids[name], "passage_id": pid[name, 0], "speaker": actor,
                       "speaker_actor": actor, "quote_text": text[start:end], "cue": cue, "start_char": start,
                       "end_char": end})
        qstances.append({"quote_id": qid, "label": lab, **probs(lab, p), "model_version": "m-1"})
    with warehouse.build(stages / "actors.duckdb", SQL_DIR / "actors", fresh=True) as con:
        _insert(con, "actors", [{"actor": "Meta", "kind": "company", "org": None, "aliases": ["Meta"]},
                                {"actor": "NVIDIA", "kind": "company", "org": None, "aliases": ["NVIDIA", "Nvidia"]},
                                {"actor": "NTIA", "kind": "government", "org": None, "aliases": ["NTIA"]}])
        _insert(con, "quotes", quotes)
        write_long(con, pd.DataFrame(qstances), "quote_stances", "quote_stance_probabilities")
        _insert(con, "comment_sources", [{"source": docs.set_index("name").at["window", "source"]}])
        # read: Meta's less probable pro_open_source quote (agrees), its security_hawk one (read as neutral)
        _insert(con, "quote_stance_labels", [
            {"quote_id": quotes[0]["quote_id"], "label": "pro_open_source", "annotator": "q", "note": None},
            {"quote_id": quotes[3]["quote_id"], "label": "neutral", "annotator": "q", "note": None}])
    # narratives (the shipped taxonomy, zero-shot mode): the first claim in news1 and the recap,
    # the second in both passages of news3 (its evidence: the first, more probable)
    tax = load_narratives(sides=LABELS)
    keys = list(tax.keys)
    P = np.zeros((len(pas), len(keys)))
    row = {p: i for i, p in enumerate(pas["passage_id"])}
    for name, idx, k, p in (("news1", 0, 0, 0.9), ("recap", 0, 0, 0.7), ("news3", 0, 1, 0.8), ("news3", 1, 1, 0.6),
                            ("news4", 1, 1, 0.3)):
        P[row[pid[name, idx]], k] = p
    thresholds = np.array([np.inf if n.catch_all else 0.5 for n in tax.narratives])
    with warehouse.build(stages / "narratives.duckdb", SQL_DIR / "narratives", fresh=True) as con:
        narrative_tables.write_taxonomy(con, tax, {n.key: "none" if n.catch_all else "zero_shot"
                                                   for n in tax.narratives},
                                        {n.key: 0.5 for n in tax.narratives if not n.catch_all}, {})
        narrative_tables.write_passages(con, list(pas["passage_id"]), keys, P, thresholds)
        narrative_tables.write_documents(con, pas, docs[["doc_id", "published_at"]])
        # a read label: news3's second passage carries the third claim, which the model finds nowhere;
        # the reader's evidence is its sentence "Open-source AI poses a challenge to …"
        text = pas.set_index("passage_id").at[pid["news3", 1], "text"]
        evidence = text[text.index("Open-source AI poses"):].split(".")[0] + "."
        Y = np.zeros((1, len(keys)), dtype=int)
        Y[0, 2] = 1
        narrative_tables.write_labels(con, pd.DataFrame([{
            "line": 1, "source_file": "narratives_passages_v1.jsonl", "doc_id": ids["news3"],
            "passage_id": pid["news3", 1], "match": "exact", "annotator": "b", "evidence": {keys[2]: evidence}}]),
            keys, Y, np.zeros_like(Y))
    publish(db, clean_db=clean_db, stage_dbs=(("embed", stages / "embed.duckdb"),
                                              ("topics", stages / "topics.duckdb"),
                                              ("stance", stages / "stance.duckdb"),
                                              ("actors", stages / "actors.duckdb"),
                                              ("narratives", stages / "narratives.duckdb")))
    return db, ids
