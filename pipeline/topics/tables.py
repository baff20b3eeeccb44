"""The tables of ``data/stages/topics.duckdb`` (schema ``pipeline/sql/topics``).

:func:`topic_tables` builds ``topics``, ``passage_topics``, ``doc_topics``
and ``topics_over_time`` from a fit; :func:`write_tables` inserts them with
the key history and the retired keys; :func:`representatives` picks the
citable passages of ``topic_representatives``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from pipeline import warehouse
from pipeline.topics.ctfidf import period_terms
from pipeline.topics.data import NarrativeInput
from pipeline.topics.keys import OUTLIER_KEY, KeyRegistry, TopicSignature
from pipeline.topics.model import Fit


def topic_tables(data: NarrativeInput, fit: Fit, keys: dict[int, str], sigs: list[TopicSignature],
                 n_terms: int) -> dict[str, pd.DataFrame]:
    """The ``topics``, ``passage_topics``, ``doc_topics`` and
    ``topics_over_time`` tables as DataFrames (deterministic row order)."""
    frame = data.frame.copy()
    frame["topic_id"] = fit.topics
    frame["topic_key"] = [keys.get(t, OUTLIER_KEY) for t in fit.topics]
    frame["probability"] = np.round(fit.probability, 6)
    frame["assignment"] = fit.assignment
    n_total = len(frame)
    monthly = frame.dropna(subset=["month"]).groupby(["topic_key", "month"]).size().rename("n_passages").reset_index()
    period_total = frame.dropna(subset=["month"]).groupby("month").size().rename("n_period")
    monthly = monthly.join(period_total, on="month")
    monthly["share_of_period"] = (monthly["n_passages"] / monthly["n_period"]).round(6)
    # no vectorizer: nothing was fitted (too few passages), no terms
    terms = period_terms(frame["text"], frame["topic_key"], frame["month"], fit.vectorizer, n_terms) \
        if fit.vectorizer is not None else {}
    monthly["top_terms_period"] = [terms.get((k, m), []) for k, m in zip(monthly["topic_key"], monthly["month"])]
    monthly = monthly.drop(columns="n_period").rename(columns={"month": "period"})
    monthly = monthly.sort_values(["topic_key", "period"], kind="stable").reset_index(drop=True)

    rows = []
    for sig in sigs:
        key = keys[sig.topic_id]
        m = monthly[monthly["topic_key"] == key]
        peak = m.sort_values(["n_passages", "period"], ascending=[False, True], kind="stable").iloc[0]["period"] \
            if len(m) else None
        rows.append({"topic_key": key, "topic_id": sig.topic_id, "label": sig.label, "top_terms": sig.terms,
                     "size": sig.size, "share": round(sig.size / n_total, 6),
                     "first_month": m["period"].min() if len(m) else None,
                     "last_month": m["period"].max() if len(m) else None, "peak_month": peak})
    columns = ["topic_key", "topic_id", "label", "top_terms", "size", "share", "first_month", "last_month",
               "peak_month"]  # no row when nothing was fitted or HDBSCAN found no cluster
    topics = pd.DataFrame(rows, columns=columns).sort_values("topic_key", kind="stable").reset_index(drop=True)

    passage_topics = frame[["passage_id", "topic_key", "probability", "assignment"]]
    per_doc = frame.groupby(["doc_id", "topic_key"]).size().rename("n").reset_index()
    per_doc["share"] = (per_doc["n"] / per_doc.groupby("doc_id")["n"].transform("sum")).round(6)
    doc_topics = per_doc[["doc_id", "topic_key", "share"]].sort_values(["doc_id", "topic_key"], kind="stable")
    return {"topics": topics, "passage_topics": passage_topics.reset_index(drop=True),
            "doc_topics": doc_topics.reset_index(drop=True), "topics_over_time": monthly}


def write_tables(con: duckdb.DuckDBPyConnection, tables: dict[str, pd.DataFrame], registry: KeyRegistry) -> None:
    """Insert the DataFrames and the key history into the schema of
    ``pipeline/sql/topics``."""
    for name, df in tables.items():
        con.register("frame", df)
        cols = ", ".join(df.columns)
        con.execute(f"INSERT INTO {name} ({cols}) SELECT {cols} FROM frame")
        con.unregister("frame")
    history = pd.DataFrame([{"seq": i, **e} for i, e in enumerate(registry.history)],
                           columns=["seq", "run_id", "key", "event", "topic_id", "similarity"])
    con.register("frame", history)
    con.execute("INSERT INTO topic_key_history SELECT seq, run_id, key, event, topic_id, similarity FROM frame")
    con.unregister("frame")
    retired = [{"topic_key": k, "label": v.get("label", ""), "created_run": v["created_run"],
                "retired_run": v.get("retired_run")} for k, v in sorted(registry.keys.items())
               if v["status"] == "retired"]
    con.register("frame", pd.DataFrame(retired, columns=["topic_key", "label", "created_run", "retired_run"]))
    con.execute("INSERT INTO retired_topic_keys SELECT * FROM frame")
    con.unregister("frame")


def representatives(con: duckdb.DuckDBPyConnection, data: NarrativeInput, fit: Fit, keys: dict[int, str],
                    sigs: list[TopicSignature], clean_db: Path, n: int = 3) -> dict[str, list[dict[str, Any]]]:
    """``n`` representative passages per topic key: the passages closest to
    the topic centroid (cosine), one per document, among citable passages
    (``passages.citable``: the passage's own record has a URL and a date, so
    a passage of a merged recap cites the post it paraphrases, not the
    document's first record)."""
    meta_con = warehouse.connect(clean_db, read_only=True)
    try:
        meta = meta_con.sql(
            "SELECT doc_id, coalesce(outlet, platform) AS outlet, source, source_type FROM documents"
        ).fetchdf().set_index("doc_id")
    finally:
        meta_con.close()
    out: dict[str, list[dict[str, Any]]] = {}
    for sig in sigs:
        idx = np.flatnonzero(fit.topics == sig.topic_id)
        scores = data.embeddings[idx] @ sig.centroid.astype(np.float32)
        order = idx[np.lexsort((data.frame["passage_id"].to_numpy()[idx], -scores))]
        chosen, docs = [], set()
        for i in order:
            row = data.frame.iloc[i]
            if row["doc_id"] in docs or not row["citable"] or row["doc_id"] not in meta.index:
                continue
            m = meta.loc[row["doc_id"]]
            docs.add(row["doc_id"])
            chosen.append({"passage_id": row["passage_id"], "doc_id": row["doc_id"], "text": row["text"],
                           "similarity": float(data.embeddings[i] @ sig.centroid.astype(np.float32)),
                           "outlet": m["outlet"],
                           "paraphrase": m["source_type"] == "recap",
                           "source": m["source"], "date": pd.Timestamp(row["cited_at"]).strftime("%Y-%m-%d"),
                           "url": row["url"]})
            if len(chosen) == n:
                break
        out[keys[sig.topic_id]] = chosen
    return out

