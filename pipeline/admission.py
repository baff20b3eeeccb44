"""Admission of documents the relevance query drops: an on-topic classifier.

The keyword query (:mod:`pipeline.relevance`) keeps a document at
``relevance >= relevance.threshold``. Below it, a document with a non-zero
score (it names some of the debate's phrases) may still be on topic. This
module trains a small on-topic classifier on the document labels and admits
those documents it finds on topic with confidence; the clean stage records
why each document is in the corpus (``documents.admitted_by``: ``'query'``
or ``'classifier'``, ``documents.admission_p``: the classifier's p).

Labels (on topic = any label except ``off_topic``):

* ``corpora/labels/stance_v1.jsonl``: documents the query kept;
* ``corpora/labels/relevance_v1.jsonl``: documents it dropped, sampled per
  stratum (``stratum``, ``stratum_size``; see ``corpora/labels/README.md``).

Admitted documents read afterwards (``corpora/labels/admitted_check_v1.jsonl``,
and the stance labels on documents the query drops, which stay out of
training) measure the admissions' precision by reading
(:func:`pipeline.admission_check.read_after_admission`); they never train
the classifier.

Reserved documents (``corpora/demo/EVAL_RESERVED.tsv``) are never used:
a labelled reserved document raises.

Model (:class:`OnTopicModel`): logistic regression (class weights balanced)
on TF-IDF word n-grams (sublinear tf, English stop words) of the title and
the first ``admission.max_chars`` characters, plus the query score and the
query phrases matched. It needs no
embedding, so it runs in the clean stage, before the corpus is cut into
passages: admitted documents reach embed, topics, stance, narratives and
actors as the query's documents do.

Thresholds, one per source type: grouped CV by source file
(``StratifiedGroupKFold``, seed ``admission.seed``) gives each labelled
document an out-of-fold p. A source type's admission threshold is the lowest
p on the grid 0.50, 0.51, ..., 0.99 at which the out-of-fold admissions among
its labelled documents with ``0 < relevance < threshold`` (the ones it
applies to) reach precision ``admission.min_precision``, weighted by the
stratum weights, with at least ``admission.min_admitted_cv`` of them; a type
that reaches it nowhere, or has no such labels, admits nothing. Per type
because the classifier's precision differs by kind of text (session 36: 360
more Reddit and X labels): on newsletter recaps it reaches 0.90 from p 0.64,
while Reddit titles that ask which open model to use (``off_topic``, codebook
tie-break 10) score as high as on-topic ones, so one threshold for all types
either admits none or takes their errors.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline.label_records import label_records
from pipeline.reserved import reserved_pairs

#: the one label that is not on topic (codebook ``../shared/ANNOTATION.md``)
OFF_TOPIC = "off_topic"


@dataclass
class Admission:
    """The classifier's result.

    Attributes:
        labelled: one row per labelled document found in the corpus:
            ``doc_id, source_file, label, on_topic (bool), kept (query
            decision, bool), relevance, stratum, weight, oof_p`` (``oof_p``:
            out-of-fold p of on topic).
        thresholds: source type → p at or above which a document of that
            type is admitted, or ``None`` (no grid value reached the
            precision); one entry per type with low-relevance labels.
        p: doc_id → p of every scored document (``0 < relevance < query
            threshold``, not a duplicate).
        admitted: doc_ids admitted (p >= their type's threshold), sorted.
        cv: the figures of the grouped CV (for ``metrics/relevance.json``).
    """

    labelled: pd.DataFrame
    thresholds: dict[str, float | None]
    p: dict[str, float] = field(default_factory=dict)
    admitted: list[str] = field(default_factory=list)
    cv: dict[str, Any] = field(default_factory=dict)


def read_document_labels(path: Path, key: Any = None) -> pd.DataFrame:
    """A document label file (``stance_v1.jsonl`` or ``relevance_v1.jsonl``):
    ``source_file, native_id, label, stratum, stratum_size`` (``None`` and 0
    where the file has no ``stratum``; native ids mapped by ``key``,
    :class:`pipeline.privacy.StoredKeys`). A missing file gives no rows.

    Raises:
        ValueError: a line that is not JSON or misses a key, or a document
            labelled twice (message names file and line).
    """
    cols = ["source_file", "native_id", "label", "stratum", "stratum_size"]
    if not path.exists():
        return pd.DataFrame(columns=cols)
    rows, seen = [], set()
    for n, r in label_records(path, ("source", "native_id", "label"), "document label"):
        try:
            row = [r["source"], key(r["native_id"]) if key else r["native_id"], r["label"], r.get("stratum"),
                   int(r.get("stratum_size", 0))]
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{path}:{n}: not a document label record ({exc})") from exc
        if tuple(row[:2]) in seen:
            raise ValueError(f"{path}:{n}: document {tuple(row[:2])} labelled twice")
        seen.add(tuple(row[:2]))
        rows.append(row)
    return pd.DataFrame(rows, columns=cols)


def refuse_reserved(labels: pd.DataFrame, reserved: set, what: str) -> None:
    """Raise ValueError (naming ``what`` and up to five pairs) if a label names a reserved document."""
    leaked = [k for k in zip(labels["source_file"], labels["native_id"]) if k in reserved]
    if leaked:
        raise ValueError(f"{what}: reserved documents must not be labelled: {leaked[:5]}")


def labelled_documents(docs: pd.DataFrame, kept_labels: pd.DataFrame, dropped_labels: pd.DataFrame,
                       threshold: float, key: Any = None, reserved: set | None = None) -> pd.DataFrame:
    """Join both label files to the documents and weight each label.

    Args:
        docs: ``doc_id, source_file, native_id, relevance, duplicate_of``
            of every document.
        kept_labels: :func:`read_document_labels` of ``stance_v1.jsonl``
            (drawn from the documents the query kept, per source file; a label
            on a document the query drops, drawn when the classifier had
            admitted it, is left out: it is no sample of the dropped stratum).
        dropped_labels: :func:`read_document_labels` of ``relevance_v1.jsonl``.
        threshold: the query threshold.
        reserved: reserved ``(source_file, native_id)`` pairs (default:
            :func:`pipeline.reserved.reserved_pairs` with ``key``).

    Returns:
        ``doc_id, source_file, label, on_topic, kept, relevance, stratum,
        weight`` by doc_id. A kept label's stratum is ``<source_file>|kept``,
        its size the source file's non-duplicate non-reserved documents the
        query keeps; a dropped label's stratum and size are the file's. The
        weight is size / labelled documents of the stratum (the documents
        each label stands for).

    Raises:
        ValueError: a labelled document is reserved for evaluation.
    """
    reserved = reserved_pairs(key=key) if reserved is None else reserved
    both = pd.concat([kept_labels.assign(stratum=None, stratum_size=0, from_kept=True),
                      dropped_labels.assign(from_kept=False)], ignore_index=True)
    both["stratum_size"] = both["stratum_size"].astype(float)
    refuse_reserved(both, reserved, "label files")
    both = both.drop_duplicates(["source_file", "native_id"], keep="last")
    out = both.merge(docs[["doc_id", "source_file", "native_id", "relevance"]], on=["source_file", "native_id"])
    out["kept"] = out["relevance"] >= threshold
    # a stance label on a document the query drops (one the classifier had admitted when it was drawn,
    # session 34's recaps) was not drawn from the dropped stratum: it would bias the admission figures
    out = out[out["kept"] | ~out["from_kept"].astype(bool)].copy()
    out["on_topic"] = out["label"] != OFF_TOPIC
    live = docs[docs["duplicate_of"].isna() & (docs["relevance"] >= threshold)]
    live = live[[k not in reserved for k in zip(live["source_file"], live["native_id"])]]
    kept_size = live["source_file"].value_counts()
    no_stratum = out["stratum"].isna()
    out.loc[no_stratum, "stratum"] = out.loc[no_stratum, "source_file"] + "|kept"
    out.loc[no_stratum, "stratum_size"] = out.loc[no_stratum, "source_file"].map(kept_size).fillna(0).to_numpy()
    n_in = out.groupby("stratum")["doc_id"].transform("size")
    out["weight"] = out["stratum_size"].astype(float) / n_in
    return out[["doc_id", "source_file", "label", "on_topic", "kept", "relevance", "stratum", "weight"]] \
        .sort_values("doc_id", kind="stable").reset_index(drop=True)


def doc_texts(frame: pd.DataFrame, max_chars: int) -> list[str]:
    """Title and the first ``max_chars`` characters of each document's text."""
    return [f"{t or ''}\n{x[:max_chars]}" for t, x in zip(frame["title"], frame["text"])]


@dataclass
class OnTopicModel:
    """TF-IDF word n-grams of :func:`doc_texts`, the query score and one 0/1
    column per query phrase matched → logistic regression (liblinear, class
    weights balanced). :meth:`p` gives the p of on topic."""

    words: Any
    terms: tuple[str, ...]
    clf: Any

    @classmethod
    def fit(cls, texts: list[str], relevance: np.ndarray, matched: list[list[str]], y: np.ndarray,
            params: dict[str, Any], terms: tuple[str, ...]) -> OnTopicModel:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        words = TfidfVectorizer(ngram_range=(1, int(params["ngram_max"])), min_df=2, sublinear_tf=True,
                                stop_words="english", max_features=int(params["max_features"]), dtype=np.float32)
        model = cls(words.fit(texts), terms, None)
        model.clf = LogisticRegression(C=float(params["C"]), class_weight="balanced", solver="liblinear",
                                       random_state=int(params["seed"]))
        model.clf.fit(model.features(texts, relevance, matched), y)
        return model

    def features(self, texts: list[str], relevance: np.ndarray, matched: list[list[str]]) -> Any:
        """``(n, words + 1 + phrases)`` sparse matrix."""
        from scipy import sparse

        phrases = np.array([[t in set(m) for t in self.terms] for m in matched], dtype=np.float32) \
            .reshape(len(texts), len(self.terms))
        return sparse.hstack([self.words.transform(texts), np.asarray(relevance, np.float32)[:, None],
                              phrases]).tocsr()

    def p(self, texts: list[str], relevance: np.ndarray, matched: list[list[str]]) -> np.ndarray:
        """p of on topic per text."""
        return self.clf.predict_proba(self.features(texts, relevance, matched))[:, 1]


def choose_threshold(p: np.ndarray, y: np.ndarray, w: np.ndarray, min_precision: float,
                     min_admitted: int) -> float | None:
    """Lowest p on the grid 0.50..0.99 (step 0.01) whose admissions
    (``p >= t``) have weighted precision ``>= min_precision`` with at least
    ``min_admitted`` admitted; ``None`` when no grid value does."""
    for t in np.round(np.arange(0.50, 1.0, 0.01), 2):
        pick = p >= t
        if pick.sum() >= min_admitted and (w[pick] * y[pick]).sum() >= min_precision * w[pick].sum():
            return float(t)
    return None


def at_threshold(thresholds: dict[str, float | None], types: Any, p: Any) -> np.ndarray:
    """Bool per row: ``p`` at or above the threshold of the row's source type
    (``types``, same length); False where the type has none."""
    cut = np.array([np.inf if thresholds.get(k) is None else thresholds[k] for k in types], dtype=float)
    return np.asarray(p, dtype=float) >= cut


def admit(docs: pd.DataFrame, labelled: pd.DataFrame, params: dict[str, Any], threshold: float,
          terms: tuple[str, ...] = ()) -> Admission:
    """Grouped CV, threshold, final fit and admission.

    Args:
        docs: every document: ``doc_id, source_file, source_type, title,
            text, relevance, relevance_terms, duplicate_of``.
        labelled: :func:`labelled_documents`.
        params: the ``admission`` section (``C``, ``ngram_max``,
            ``max_chars``, ``max_features``, ``folds``, ``seed``,
            ``min_precision``, ``min_admitted_cv``).
        threshold: the query threshold; terms: the query's phrases.

    Returns:
        :class:`Admission` (``labelled`` gains ``source_type``). Fewer than
        two source files or one class among the labels admits nothing
        (``cv`` says why).
    """
    from sklearn.model_selection import StratifiedGroupKFold

    by_id = docs.set_index("doc_id")
    lab = labelled.copy()
    rows = by_id.loc[lab["doc_id"]]
    lab["source_type"] = rows["source_type"].to_numpy()
    texts, matched = doc_texts(rows, int(params["max_chars"])), [list(m) for m in rows["relevance_terms"]]
    y = lab["on_topic"].to_numpy(dtype=int)
    r = lab["relevance"].to_numpy(dtype=float)
    groups = lab["source_file"].to_numpy()
    folds = min(int(params["folds"]), len(set(groups)))
    lab["oof_p"] = np.nan
    if folds < 2 or len(set(y)) < 2:
        return Admission(lab, {}, cv={"skipped": f"{len(set(groups))} source files, classes {sorted(set(y))}"})
    oof = np.zeros(len(lab))
    cv = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=int(params["seed"]))
    for train, test in cv.split(texts, y, groups):
        model = OnTopicModel.fit([texts[i] for i in train], r[train], [matched[i] for i in train], y[train],
                                 params, terms)
        oof[test] = model.p([texts[i] for i in test], r[test], [matched[i] for i in test])
    lab["oof_p"] = oof
    low = ((lab["relevance"] > 0) & ~lab["kept"]).to_numpy()
    w = lab["weight"].to_numpy(dtype=float)
    types = lab["source_type"].to_numpy()
    t = {}
    for k in sorted(set(types[low])):
        of_type = low & (types == k)
        t[str(k)] = choose_threshold(oof[of_type], y[of_type], w[of_type], float(params["min_precision"]),
                                     int(params["min_admitted_cv"]))
    model = OnTopicModel.fit(texts, r, matched, y, params, terms)
    scored = docs[(docs["relevance"] > 0) & (docs["relevance"] < threshold) & docs["duplicate_of"].isna()]
    p = model.p(doc_texts(scored, int(params["max_chars"])), scored["relevance"].to_numpy(dtype=float),
                [list(m) for m in scored["relevance_terms"]]) if len(scored) else np.zeros(0)
    p = np.round(p, 4)
    p_of = dict(zip(scored["doc_id"], p.tolist()))
    admitted = sorted(scored["doc_id"][at_threshold(t, scored["source_type"], p)])
    return Admission(lab, t, p_of, admitted, {"folds": folds, "n_source_files": int(len(set(groups)))})


def run(docs: list[Any], params: dict[str, Any], relevance_params: dict[str, Any], *, kept_file: Path,
        dropped_file: Path, check_file: Path | None = None, key: Any = None,
        reserved: set | None = None) -> dict[str, Any]:
    """Admit documents of ``docs`` (the clean stage's
    :class:`pipeline.documents.Document` list, changed in place) and measure.

    Every non-duplicate document the query keeps gets ``admitted_by =
    'query'``; every scored one (``0 < relevance < threshold``) its
    ``admission_p``, and those admitted ``admitted_by = 'classifier'`` and
    ``is_relevant = True`` (so the ``corpus`` view and every later stage
    take them).

    Args:
        params: the ``admission`` section of ``params.yaml``.
        relevance_params: the ``relevance`` section (its ``threshold``).
        kept_file, dropped_file: ``stance_v1.jsonl`` and ``relevance_v1.jsonl``.
        check_file: ``admitted_check_v1.jsonl`` (:func:`pipeline.admission_check.read_after_admission`;
            None or a missing file: no such labels).
        key: :class:`pipeline.privacy.StoredKeys` (label native ids → stored ids).

    Returns:
        The figures of ``metrics/relevance.json``.

    Raises:
        ValueError: a bad label file, or a labelled reserved document.
    """
    from pipeline.admission_check import read_after_admission
    from pipeline.relevance_eval import precision_recall

    threshold = float(relevance_params.get("threshold", 0.5))
    frame = pd.DataFrame({"doc_id": [d.doc_id for d in docs], "source_file": [d.source_file for d in docs],
                          "native_id": [d.native_id for d in docs], "title": [d.title for d in docs],
                          "text": [d.text for d in docs], "relevance": [d.relevance for d in docs],
                          "relevance_terms": [list(d.relevance_terms) for d in docs],
                          "source_type": [d.source_type for d in docs],
                          "duplicate_of": [d.duplicate_of for d in docs]})
    reserved = reserved_pairs(key=key) if reserved is None else reserved
    kept_labels = read_document_labels(kept_file, key)
    labelled = labelled_documents(frame, kept_labels, read_document_labels(dropped_file, key),
                                  threshold, key=key, reserved=reserved)
    result = admit(frame, labelled, params, threshold, tuple(relevance_params.get("terms") or ()))
    admitted = set(result.admitted)
    for d in docs:
        if d.duplicate_of is None and d.relevance >= threshold:
            d.admitted_by = "query"
        if d.doc_id in result.p:
            d.admission_p = result.p[d.doc_id]
        if d.doc_id in admitted:
            d.admitted_by, d.is_relevant = "classifier", True
    lab, t = result.labelled, result.thresholds
    reps, seed = int(params.get("bootstrap_reps", 1000)), int(params["seed"])
    low = ((lab["relevance"] > 0) & ~lab["kept"]).to_numpy()
    at_cut = at_threshold(t, lab["source_type"], lab["oof_p"])
    cv_admit = low & at_cut
    by_type = frame[frame["doc_id"].isin(admitted)]["source_type"].value_counts().sort_index()
    return {
        "on_topic": "any stance label except off_topic",
        "query_threshold": threshold,
        "labels": {"kept_file": kept_file.name, "dropped_file": dropped_file.name,
                   "n_kept_labels": int(lab["kept"].sum()), "n_dropped_labels": int((~lab["kept"]).sum()),
                   "weights": "a label stands for stratum_size / (labels in its stratum) documents; kept labels: "
                              "stratum = source file, size = its non-duplicate non-reserved documents the query "
                              "keeps; dropped labels: the file's stratum (source family x relevance bin zero/low)"},
        "query": precision_recall(lab, lab["kept"].to_numpy(), reps=reps, seed=seed),
        "query_plus_classifier_cv": precision_recall(lab, lab["kept"].to_numpy() | cv_admit, reps=reps, seed=seed),
        "classifier_cv": {
            **result.cv, "thresholds": t, "threshold_per": "source_type",
            "min_precision": float(params["min_precision"]),
            "all_labels_at_threshold": precision_recall(lab, at_cut, reps=reps, seed=seed),
            "all_labels_at_0.5": precision_recall(lab, lab["oof_p"].to_numpy() >= 0.5, reps=reps, seed=seed),
            "low_relevance_labels_at_threshold": precision_recall(lab[low], cv_admit[low], reps=reps, seed=seed),
        },
        "scored_documents": len(result.p),
        "admitted_documents": len(admitted),
        "admitted_read_after": read_after_admission(
            frame, admitted, kept_labels, read_document_labels(check_file, key) if check_file else None, threshold,
            reserved, set(lab["doc_id"])),
        "admitted_by_source_type": {k: int(v) for k, v in by_type.items()},
    }
