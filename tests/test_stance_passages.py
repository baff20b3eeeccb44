"""Passage stance (issue 18): the passage label file,
offsets tuned on inner folds only, pooling with its evidence passage, and
adjusted classify-and-count, on real labelled passages embedded with the
project's encoder."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from pipeline.config import DEMO_CORPUS_DIR, STANCE_PASSAGE_LABEL_FILE, load_params
from pipeline.encoder import encode, load_encoder
from pipeline.stance import crossval
from pipeline.stance.crossval import fold_of_sources, nested_cv
from pipeline.stance.docpool import doc_table, threshold_decide
from pipeline.stance.evaluate import error_rows
from pipeline.stance.features import feature_frame
from pipeline.stance.offsets import decide, tune_offsets
from pipeline.stance.passage_labels import read_passage_labels
from pipeline.stance.pooling import evidence, max_rule
from pipeline.stance.predict import reorder, with_out_of_fold
from pipeline.stance.quantify import confusion_rates, one_hot, shares, solve_simplex

LABELS = list(load_params("stance")["labels"])
STANCE_IDX = [LABELS.index(s) for s in ("pro_open_source", "security_hawk", "pro_china_tools")]
NEUTRAL, OFF = LABELS.index("neutral"), LABELS.index("off_topic")


@pytest.fixture(scope="module")
def fitted(sample):
    """:func:`_cv` of the sample with its true labels."""
    frame, V = sample
    return _cv(frame, V, frame["label"].to_numpy(dtype=object))


@pytest.fixture(scope="module")
def sample():
    """About 40 real labelled passages per label, spread over source files
    (round robin, shortest first within a file), embedded with the encoder."""
    labels = read_passage_labels(labels=LABELS)
    labels = labels[labels["passage"].str.len() < 700]
    picked = []
    for _, g in labels.groupby("label"):
        g = g.assign(n=g["passage"].str.len()).sort_values(["source_file", "n", "line"])
        g = g.assign(rank=g.groupby("source_file").cumcount()).sort_values(["rank", "source_file", "line"])
        picked.append(g.head(40))
    frame = pd.concat(picked).sort_values("line").reset_index(drop=True)
    V = encode(load_encoder(load_params("encoder")["model"]), frame["passage"].tolist())
    return frame, V


SETTINGS = {"C": 1.0, "seed": 0, "lexical": False, "pooler_C": 1.0, "stances": STANCE_IDX, "neutral": NEUTRAL,
            "off_topic": OFF, "n_jobs": 1}


def _folds(frame):
    fold = fold_of_sources(list(frame["label"]), list(frame["source_file"]), 3, 0)
    return frame["source_file"].map(fold).to_numpy()


def _cv(frame, V, y, f=None):
    """nested_cv with each labelled passage also a one-passage document (folds ``f``, default :func:`_folds`)."""
    f = _folds(frame) if f is None else f
    F = feature_frame(V, frame["passage"].tolist())
    return nested_cv(F, np.asarray(y, dtype=object), f, F, np.arange(len(y)), np.asarray(y, dtype=object), f,
                     LABELS, {**SETTINGS, "dimensions": V.shape[1]}), f


def test_the_label_file_reads_and_a_reserved_document_fails(tmp_path):
    labels = read_passage_labels(labels=LABELS)
    assert len(labels) >= 1500 and set(labels["label"]) == set(LABELS)
    reserved = pd.read_csv(DEMO_CORPUS_DIR / "EVAL_RESERVED.tsv", sep="\t").iloc[0]
    lines = STANCE_PASSAGE_LABEL_FILE.read_text(encoding="utf-8").splitlines()[:5]
    bad = json.loads(lines[0]) | {"source": "demo/" + reserved["source"], "native_id": reserved["native_id"]}
    path = tmp_path / "labels.jsonl"
    path.write_text("\n".join(lines + [json.dumps(bad)]) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"labels\.jsonl:6: .*reserved"):
        read_passage_labels(path, LABELS)
    path.write_text("\n".join(lines + [lines[0]]) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r":6: passage .* labelled twice"):
        read_passage_labels(path, LABELS)


def test_offsets_never_see_the_outer_test_fold(sample, fitted):
    frame, V = sample
    y = frame["label"].to_numpy(dtype=object)
    a, folds = fitted
    for k, seen in a.inner_seen.items():
        assert not seen & set(np.flatnonzero(folds == k).tolist())
        assert seen == set(np.flatnonzero(folds != k).tolist())
    # relabel the passages of fold 0 at random: fold 0's offsets (tuned without them) stay, the others move
    y2 = y.copy()
    rows = np.flatnonzero(folds == 0)
    y2[rows] = np.roll(y[rows], 7)
    assert (y2 != y).any()
    b, _ = _cv(frame, V, y2, folds)
    assert np.array_equal(a.passage_offsets[0], b.passage_offsets[0])
    assert np.array_equal(a.rule_offsets[0], b.rule_offsets[0]) and np.array_equal(a.doc_offsets[0], b.doc_offsets[0])
    assert np.array_equal(a.thresholds[0], b.thresholds[0])   # the document thresholds too (docpool)
    assert any(not np.array_equal(a.passage_offsets[k], b.passage_offsets[k]) for k in a.passage_offsets if k)
    # and the offsets help the rare classes on the outer folds
    oof = np.array([LABELS.index(v) for v in y])
    ks = sorted(a.passage_offsets)
    with_b = np.concatenate([decide(a.passage_oof[folds == k], a.passage_offsets[k]) for k in ks])
    order = np.concatenate([np.flatnonzero(folds == k) for k in ks])
    from sklearn.metrics import f1_score
    plain = f1_score(oof, a.passage_oof.argmax(1), average="macro")
    assert f1_score(oof[order], with_b, average="macro") >= plain - .02


@pytest.mark.slow
def test_tuned_offsets_raise_macro_f1_of_a_rare_class(sample):
    frame, V = sample
    y = np.array([LABELS.index(v) for v in frame["label"]])
    P = np.full((len(y), len(LABELS)), 0.1)
    P[np.arange(len(y)), NEUTRAL] = 0.6                           # argmax always says neutral
    P[y == STANCE_IDX[2], STANCE_IDX[2]] = 0.3                    # the rare class is there, under neutral
    b, score = tune_offsets(P, y, scored=range(len(LABELS)), reference=NEUTRAL)
    assert b[NEUTRAL] == 0 and b[STANCE_IDX[2]] > np.log(2)
    assert (decide(P, b)[y == STANCE_IDX[2]] == STANCE_IDX[2]).all()


@pytest.mark.slow
def test_pooling_picks_the_stance_passage_as_evidence(sample, fitted):
    frame, V = sample
    y = frame["label"].to_numpy(dtype=object)
    a, folds = fitted
    P = a.passage_oof
    dec = decide(P, a.final_passage_offsets)
    pct = P[:, STANCE_IDX[2]]
    china = np.flatnonzero((dec == STANCE_IDX[2]) & (y == "pro_china_tools"))
    china = china[np.argsort(-pct[china], kind="stable")]          # the surest pro_china_tools passage first
    neutral = np.flatnonzero(dec == NEUTRAL)  # passages the model itself decides neutral (pooling reads decisions)
    neutral = neutral[np.argsort(pct[neutral], kind="stable")]     # the least pro_china_tools first
    assert len(china) and len(neutral) >= 6 and pct[neutral[:6]].max() < pct[china[0]]
    # document 0: three neutral passages and one pro_china_tools passage; document 1: neutral passages only
    rows = np.array([neutral[0], neutral[1], china[0], neutral[2], neutral[3], neutral[4], neutral[5]])
    d_index = np.array([0, 0, 0, 0, 1, 1, 1])
    decided = max_rule(P[rows], d_index, 2, a.final_passage_offsets, STANCE_IDX, NEUTRAL, OFF)
    assert decided.tolist() == [STANCE_IDX[2], NEUTRAL]
    ev = evidence(P[rows], d_index, 2, decided, STANCE_IDX)
    assert ev.tolist() == [2, -1]                        # the pro_china_tools passage; none for neutral
    # the thresholds pooler: document 0 is pro_china_tools while its best passage reaches the threshold
    F, rule = doc_table(P[rows], d_index, 2, a.final_passage_offsets, SETTINGS)
    assert rule.tolist() == decided.tolist()
    p = P[china[0], STANCE_IDX[2]]
    low, high = np.array([1.0, 1.0, p - 1e-6]), np.array([1.0, 1.0, p + 1e-6])
    assert threshold_decide(F, low, SETTINGS).tolist() == [STANCE_IDX[2], NEUTRAL]
    assert threshold_decide(F, high, SETTINGS).tolist() == [NEUTRAL, NEUTRAL]   # below it: neutral passages decide


def test_the_trial_pooler_thresholds_lr_only_splits_the_documents_without_a_stance(sample, fitted):
    """Pooler ``thresholds_lr`` (session-29 trial): the stances are the ``thresholds`` pooler's, and the
    documents left without one (each real labelled passage a document here) are split into ``neutral``
    and ``off_topic`` by a regression fitted on the training documents of those two labels."""
    from pipeline.stance.docpool import fit_predict

    frame, _ = sample
    a, folds = fitted
    y = np.array([LABELS.index(v) for v in frame["label"]])
    F, rule = doc_table(a.passage_oof, np.arange(len(y)), len(y), a.final_passage_offsets, SETTINGS)
    plain, t = fit_predict("thresholds", F, y, folds, F, rule, len(LABELS), SETTINGS)
    split, t2 = fit_predict("thresholds_lr", F, y, folds, F, rule, len(LABELS), SETTINGS)
    assert np.array_equal(t, t2)
    stance = np.isin(plain, STANCE_IDX)
    assert np.array_equal(split[stance], plain[stance])
    assert set(split[~stance]) == {NEUTRAL, OFF}
    rest = ~stance & np.isin(y, [NEUTRAL, OFF])
    assert (split[rest] == y[rest]).mean() > 0.5  # fitted on these very documents: it separates them


def test_labelled_passages_are_decided_out_of_fold(sample, fitted):
    """The final passage model was fitted on the labelled passages, so its
    own decisions for them agree with their labels far more often than out of
    fold; the stage replaces their probabilities with the out-of-fold ones
    (a passage without a label, or a label that matched no passage, keeps
    the final model's)."""
    frame, V = sample
    a, _ = fitted
    y = np.array([LABELS.index(v) for v in frame["label"]])
    final = reorder(a.passage_clf.predict_proba(feature_frame(V, frame["passage"].tolist())),
                    a.passage_clf.classes_, LABELS)
    in_sample = (decide(final, a.final_passage_offsets) == y).mean()
    out_of_fold = (decide(a.passage_oof, a.final_passage_offsets) == y).mean()
    assert in_sample > out_of_fold + 0.1, (in_sample, out_of_fold)
    ids = [f"p{i}" for i in range(len(frame))]
    P, n = with_out_of_fold(np.vstack([final, final[:1]]), ids + ["unlabelled"], [None] + ids[1:], a.passage_oof)
    assert n == len(ids) - 1
    assert np.array_equal(P[1:-1], a.passage_oof[1:]) and np.array_equal(P[[0, -1]], final[[0, 0]])
    assert (decide(P[:-1], a.final_passage_offsets)[1:] == y[1:]).mean() < in_sample
    # a passage two label rows name takes the closer one's row (rank: MATCH_KINDS index), else the first
    twice = ["p0", "p0"]
    assert np.array_equal(with_out_of_fold(final[:1], ["p0"], twice, a.passage_oof[:2], rank=[3, 0])[0],
                          a.passage_oof[1:2])
    assert np.array_equal(with_out_of_fold(final[:1], ["p0"], twice, a.passage_oof[:2])[0], a.passage_oof[:1])
    assert not np.array_equal(a.passage_oof[0], a.passage_oof[1])
    with pytest.raises(ValueError):  # an unknown match kind would map to NaN: no silent first-row pick
        with_out_of_fold(final[:1], ["p0"], twice, a.passage_oof[:2], rank=[float("nan"), 0])


def test_acc_recovers_a_prevalence_shift_on_real_labels(sample):
    """ACC and PACC undo a prevalence shift that CC follows only partly: the
    real labels of the sample, a classifier simulated with known error rates
    (70 % right, the rest spread evenly; probabilities 0.6 on the decision),
    the rates estimated on one half (each passage simulated 20 times, so that
    the rates are not the noise under test), the other half resampled to 60 %
    pro_china_tools. (How the real classifier's rates transfer between
    source files is measured in the stage's CV: ``stance_quantification_error``.)"""
    frame, _ = sample
    yi = np.array([LABELS.index(v) for v in frame["label"]])
    k, rng = len(LABELS), np.random.default_rng(0)
    M = np.full((k, k), 0.3 / (k - 1)) + np.eye(k) * (0.7 - 0.3 / (k - 1))   # P(decision | true label)
    def simulate(y):
        dec = np.array([rng.choice(k, p=M[c]) for c in y])
        P = np.full((len(y), k), 0.1)
        P[np.arange(len(y)), dec] = 0.6
        return dec, P
    half = rng.permutation(len(yi)) < len(yi) // 2
    cv_y = np.repeat(yi[half], 20)          # each labelled passage of the half read 20 times: rates to about ±.02
    cv_dec, cv_P = simulate(cv_y)
    test = np.flatnonzero(~half)
    china = LABELS.index("pro_china_tools")
    want = np.where(np.arange(k) == china, 0.6, 0.1)
    idx = np.concatenate([rng.choice(test[yi[test] == c], int(1000 * want[c])) for c in range(k)])
    true = np.bincount(yi[idx], minlength=k) / len(idx)
    dec, P = simulate(yi[idx])
    got = shares(dec, P, cv_y, cv_dec, cv_P)
    assert abs(got["cc"][china] - true[china]) > 0.10     # CC is pulled towards the even mix (by .15 expected)
    for method in ("acc", "pacc"):
        assert abs(got[method][china] - true[china]) < 0.5 * abs(got["cc"][china] - true[china])
        assert np.abs(got[method] - true).sum() < np.abs(got["cc"] - true).sum()
        assert np.isclose(got[method].sum(), 1) and (got[method] >= 0).all()
    assert np.allclose(got["pcc"], P.mean(axis=0))   # PCC: the mean probability, uncorrected


def test_solve_simplex_inverts_known_rates():
    M = confusion_rates(np.array([0, 0, 0, 1, 1, 1, 2, 2]), one_hot(np.array([0, 0, 1, 1, 1, 2, 2, 2]), 3), 3)
    p = np.array([0.2, 0.5, 0.3])
    assert np.allclose(solve_simplex(M, M.T @ p), p, atol=1e-4)


def test_fold_of_sources_puts_each_source_in_one_fold():
    labels = read_passage_labels(labels=LABELS)
    fold = fold_of_sources(labels["label"], labels["source_file"], 5, 13)
    assert set(fold) == set(labels["source_file"]) and set(fold.values()) == set(range(5))
    with pytest.raises(ValueError, match="at least 2 source files"):
        crossval.fold_of_sources(["a", "b"], ["s", "s"], 5, 0)


@pytest.mark.slow
def test_nested_cv_runs_with_few_labelled_documents(sample):
    """A small corpus: labelled documents of one class in one fold only (the
    end-to-end slice can have so few) give no pooling model and one scored fold."""
    frame, V = sample
    y = frame["label"].to_numpy(dtype=object)
    f = _folds(frame)
    docs = np.flatnonzero((f == 0) & (y == "neutral"))[:5]
    F = feature_frame(V, frame["passage"].tolist())
    cv = nested_cv(F, y, f, F.iloc[docs], np.arange(len(docs)), y[docs], f[docs], LABELS,
                   {**SETTINGS, "dimensions": V.shape[1]})
    assert cv.pooler is None and np.allclose(cv.doc_oof, 1 / len(LABELS))
    assert [q["fold"] for q in cv.quantification] == [0] and cv.quantification[0]["n_docs"] == len(docs)
    assert len(cv.doc_max_rule) == len(docs) and cv.passage_oof.shape == (len(y), len(LABELS))
    assert len(cv.doc_thresholds) == len(docs) and cv.final_thresholds.shape == (len(STANCE_IDX),)


@pytest.mark.slow
def test_extra_rows_train_the_passage_models_but_are_never_scored(sample):
    """Short labelled documents join the training rows (``extra``): the models of
    the folds that do not hold them learn from them; no model scores its own
    fold's extra rows, and no extra row is scored or counted."""
    frame, V = sample
    y = frame["label"].to_numpy(dtype=object)
    f = _folds(frame)
    rng = np.random.default_rng(0)
    is_extra = rng.random(len(y)) < 0.4
    P, X = np.flatnonzero(~is_extra), np.flatnonzero(is_extra)
    F = feature_frame(V, frame["passage"].tolist())
    settings = {**SETTINGS, "dimensions": V.shape[1]}

    def run(yx):
        return nested_cv(F.iloc[P], y[P], f[P], F.iloc[P], np.arange(len(P)), y[P], f[P], LABELS, settings,
                         extra=(F.iloc[X], yx, f[X]))

    a = run(y[X])
    assert a.passage_oof.shape == (len(P), len(LABELS)) and len(a.doc_thresholds) == len(P)
    # relabel the extra rows of fold 0: fold 0's out-of-fold scores stay, the other folds' move
    yx = y[X].copy()
    in0 = f[X] == 0
    yx[in0] = np.roll(yx[in0], 5)
    assert (yx != y[X]).any()
    b = run(yx)
    assert np.allclose(a.passage_oof[f[P] == 0], b.passage_oof[f[P] == 0])
    assert not np.allclose(a.passage_oof[f[P] != 0], b.passage_oof[f[P] != 0])
    # without extra rows the final model differs: it was trained on them
    c = nested_cv(F.iloc[P], y[P], f[P], F.iloc[P], np.arange(len(P)), y[P], f[P], LABELS, settings)
    assert not np.allclose(a.passage_clf.predict_proba(F.iloc[X]), c.passage_clf.predict_proba(F.iloc[X]))


def test_short_documents_are_one_short_passage_without_a_passage_label():
    from pipeline.stance.shortdocs import short_documents

    passage_doc = ["post", "essay", "essay", "title", "labelled", "long"]
    gold = ["essay", "title", "post", "labelled", "long", "missing"]
    words = {"post": 30, "essay": 900, "title": 8, "labelled": 12, "long": 300}
    p_rows, g_rows = short_documents(passage_doc, gold, words, {"labelled"}, 120)
    assert g_rows.tolist() == [1, 2] and p_rows.tolist() == [3, 0]     # title, post (gold order)
    assert short_documents(passage_doc, gold, words, set(), 0)[0].size == 0


def test_the_quoted_share_is_the_stored_decisions_cc_or_acc_or_pcc_with_the_smallest_error():
    """``stance_quantification_error.quoted`` marks, per label, the estimator the report's section 3
    bolds: the smallest mean error of the stored decisions' CC and ACC and of PCC (session-31 review: it
    marked the ACC for every label, while the report quoted CC or PCC)."""
    labels = ["pro_open_source", "security_hawk"]
    err = {"cc_thresholds": (0.013, 0.043), "acc_thresholds": (0.021, 0.139), "pcc": (0.031, 0.026),
           "cc": (0.0, 0.0), "acc": (0.2, 0.2), "pacc": (0.3, 0.3), "cc_max_rule": (0.1, 0.1),
           "acc_max_rule": (0.1, 0.1), "prior": (0.06, 0.057)}
    true = {lab: 0.1 for lab in labels}
    quant = {m: {"per_label_mean_abs_error": dict(zip(labels, e))} for m, e in err.items()}
    quant["folds"] = [{"true": true, **{m: {lab: 0.1 + e[i] for i, lab in enumerate(labels)} for m, e in err.items()}}]
    rows = error_rows(quant, "thresholds").set_index(["method", "label"])
    assert set(rows.index[rows["stored"]].get_level_values(0)) == {"cc_thresholds", "acc_thresholds"}
    assert sorted(rows.index[rows["quoted"]]) == [("cc_thresholds", "pro_open_source"), ("pcc", "security_hawk")]
    assert rows.loc[("pcc", "security_hawk"), "max_abs_error"] == 0.026


def test_shares_by_reading_weight_each_sources_label_mix_by_its_unlabelled_documents():
    """The stratified estimate (:mod:`pipeline.stance.sample_shares`) on the real labels of two sources:
    each source's label mix counts by its documents without a label, a source read in full counts not
    at all in that share but with its labels in the corpus share, and the interval is the Korn–Graubard
    interval of the stratified sampling error (Cochran 1977, ch. 5)."""
    from pipeline.stance.sample_shares import korn_graubard, sample_shares

    rows = [json.loads(x) for x in (DEMO_CORPUS_DIR.parent / "labels" / "stance_v1.jsonl").read_text().splitlines()]
    reddit = [r["label"] for r in rows if r["source"].endswith("reddit_ai_threads.jsonl")]
    rfi = [r["label"] for r in rows if r["source"].endswith("ai_action_plan_rfi_2025.jsonl")]
    assert len(reddit) == 520 and len(rfi) == 360
    N = {"reddit": 897, "rfi": 511, "ntia": 40}   # corpus documents per source; NTIA read in full
    got = sample_shares(["reddit"] * 520 + ["rfi"] * 360 + ["ntia"] * 40, reddit + rfi + ["pro_open_source"] * 40,
                        [s for s, n in N.items() for _ in range(n)], LABELS).set_index("label")
    w = np.array([897 - 520, 511 - 360]) / (897 - 520 + 511 - 360)
    for lab in LABELS:
        p = np.array([np.mean([x == lab for x in reddit]), np.mean([x == lab for x in rfi])])
        var = sum(w[i] ** 2 * n_all / (n_all - n) * n * p[i] * (1 - p[i]) / (n - 1) / n
                  for i, (n_all, n) in enumerate(((897, 520), (511, 360))))
        assert np.isclose(got.loc[lab, "share"], w @ p)   # NTIA's 40 pro_open_source labels weigh nothing here
        assert np.allclose(got.loc[lab, ["lo", "hi"]].tolist(), korn_graubard(w @ p, var, 880))
        known = 520 * p[0] + 360 * p[1] + 40 * (lab == "pro_open_source")   # ... but count in the corpus share
        assert np.isclose(got.loc[lab, "corpus_share"], (known + 528 * (w @ p)) / (897 + 511 + 40))
        # the labelled documents are known: only the unlabelled remainder's interval carries into the corpus's
        assert np.allclose(got.loc[lab, ["corpus_lo", "corpus_hi"]].tolist(),
                           [(known + 528 * b) / 1448 for b in got.loc[lab, ["lo", "hi"]]])
        assert got.loc[lab, "lo"] <= got.loc[lab, "share"] <= got.loc[lab, "hi"]
    assert np.isclose(got["share"].sum(), 1) and np.isclose(got["corpus_share"].sum(), 1)
    assert got.loc["neutral", ["n_labelled", "n_docs", "n_covered", "n_unlabelled", "n_sources"]].tolist() == [
        880, 528, 1448, 528, 2]
    # Korn-Graubard: wider than the normal interval at a share of a few per cent (the session-31 review's case)
    lo, hi = korn_graubard(0.018, 0.0046 ** 2, 1925)
    assert lo > 0.018 - 1.96 * 0.0046 and hi > 0.018 + 1.96 * 0.0046


def test_shares_by_reading_per_source_type_are_the_estimate_within_that_types_files():
    """Session 33: the labelled documents are a random sample within each file, so each source type's share
    by reading is the same estimator over that type's files alone (real labels of the Reddit threads, a forum,
    and of the AI Action Plan and NTIA comments, policy). A type with no label is left out."""
    from pipeline.stance.sample_shares import sample_shares, sample_shares_by_type

    rows = [json.loads(x) for x in (DEMO_CORPUS_DIR.parent / "labels" / "stance_v1.jsonl").read_text().splitlines()]
    by_file = {f: [r["label"] for r in rows if r["source"].endswith(f)]
               for f in ("reddit_ai_threads.jsonl", "ai_action_plan_rfi_2025.jsonl")}
    types = {"reddit_ai_threads.jsonl": "forum", "ai_action_plan_rfi_2025.jsonl": "policy", "ntia": "policy",
             "x.csv": "social"}
    N = {"reddit_ai_threads.jsonl": 897, "ai_action_plan_rfi_2025.jsonl": 511, "ntia": 40, "x.csv": 5971}
    files = [f for f, labels in by_file.items() for _ in labels] + ["ntia"] * 40
    labels = [x for f in by_file for x in by_file[f]] + ["security_hawk"] * 40
    corpus = [f for f, n in N.items() for _ in range(n)]
    got = sample_shares_by_type(types, files, labels, corpus, LABELS)
    assert sorted(set(got["source_type"])) == ["forum", "policy"]   # no social document was read
    for kind in ("forum", "policy"):
        mine = [f for f in N if types[f] == kind]
        pick = [i for i, f in enumerate(files) if f in mine]
        alone = sample_shares([files[i] for i in pick], [labels[i] for i in pick], [f for f in corpus if f in mine],
                              LABELS)
        part = got[got["source_type"] == kind].drop(columns="source_type").reset_index(drop=True)
        pd.testing.assert_frame_equal(part, alone)
    policy = got[got["source_type"] == "policy"].set_index("label")
    assert policy.at["security_hawk", "n_covered"] == 511 + 40
    rfi_hawk = np.mean([x == "security_hawk" for x in by_file["ai_action_plan_rfi_2025.jsonl"]])
    assert np.isclose(policy.at["security_hawk", "corpus_share"], (511 * rfi_hawk + 40) / 551)
    with pytest.raises(KeyError):
        sample_shares_by_type({"ntia": "policy"}, files, labels, corpus, LABELS)
    # the file → type map comes from the documents; a file of two types cannot be one type's stratum
    from pipeline.stance.sample_shares import file_types
    assert file_types(["x.csv", "x.csv", "ntia"], ["social", "social", "policy"]) == {"x.csv": "social",
                                                                                     "ntia": "policy"}
    with pytest.raises(ValueError, match=r"x\.csv: documents of source types \['news', 'social'\]"):
        file_types(["x.csv", "x.csv"], ["social", "news"])
    # a type whose documents were all read: its share is a count, with no sampling interval
    whole = sample_shares_by_type({"ntia": "comments"}, ["ntia"] * 40, ["security_hawk"] * 30 + ["neutral"] * 10,
                                  ["ntia"] * 40, LABELS).set_index("label")
    assert whole.loc["security_hawk", ["corpus_share", "corpus_lo", "corpus_hi"]].tolist() == [0.75, 0.75, 0.75]


def test_shares_by_reading_per_period_are_the_estimate_within_each_source_and_period():
    """Session 34: within a source, the labelled documents dated in a period are a random sample of that
    period's documents, so each (source, period) share by reading is the estimator over those documents alone.
    Real recap labels and real recap issue dates (paired in file order), quarters by ``period_start``."""
    from pipeline.stance.sample_shares import period_start, sample_shares, sample_shares_by_period

    rows = [json.loads(x) for x in (DEMO_CORPUS_DIR.parent / "labels" / "stance_v1.jsonl").read_text().splitlines()]
    recap = [r["label"] for r in rows if r["source"].endswith("ainews_social_recaps.jsonl")][:300]
    raw = (DEMO_CORPUS_DIR / "social" / "ainews_social_recaps.jsonl").read_text(encoding="utf-8").splitlines()
    dates = [json.loads(x)["issue_date"] for x in raw[::3][:900]]
    quarters = period_start(dates + [None], "quarter")
    assert quarters.iloc[-1] is pd.NaT or pd.isna(quarters.iloc[-1])
    assert str(quarters.iloc[0]) == "2024-01-01" and dates[0] == "2024-03-04"
    assert len(set(quarters.dropna())) >= 4
    corpus = pd.DataFrame({"source": "ainews_recaps", "source_file": "recaps.jsonl", "period": quarters})
    # the first 300 documents are read; a second source of one read document has a share by count
    labelled = corpus.iloc[:300].assign(label=recap)
    other = pd.DataFrame({"source": "blog", "source_file": "b.md", "period": quarters.iloc[:1], "label": "neutral"})
    got = sample_shares_by_period(pd.concat([labelled, other]), pd.concat([corpus, other.drop(columns="label")]),
                                  LABELS)
    assert got.groupby(["source", "period"]).size().eq(len(LABELS)).all()
    for when, part in got[got["source"] == "ainews_recaps"].groupby("period"):
        mine = corpus["period"] == when
        pick = labelled[labelled["period"] == when]
        alone = sample_shares(pick["source_file"], pick["label"], corpus.loc[mine, "source_file"], LABELS)
        pd.testing.assert_frame_equal(part.drop(columns=["source", "period"]).reset_index(drop=True), alone)
        assert int(part["n_covered"].iloc[0]) == int(mine.sum())
    assert set(got.loc[got["source"] == "ainews_recaps", "period"]) == set(labelled["period"].dropna())
    blog = got[got["source"] == "blog"].set_index("label")
    assert blog.loc["neutral", ["corpus_share", "corpus_lo", "corpus_hi"]].tolist() == [1.0, 1.0, 1.0]
    with pytest.raises(ValueError, match="stance.sample_period: 'week'"):
        period_start(dates, "week")


def test_a_period_counts_only_files_with_labels_in_it_and_undated_labels_count_in_none():
    """Code review, session 34: a source's second file with no label in a period is left out of that period's
    covered documents (the report prints "n (of N)"); a labelled document with no date counts in no period;
    ``period_start`` keeps a Series' index."""
    from pipeline.stance.sample_shares import period_start, sample_shares_by_period

    dates = pd.Series(["2025-01-05", "2025-02-01", "2025-04-02", None, "2025-05-09"], index=[10, 12, 14, 16, 18])
    quarters = period_start(dates, "quarter")
    assert list(quarters.index) == [10, 12, 14, 16, 18] and str(quarters[14]) == "2025-04-01" and pd.isna(quarters[16])
    corpus = pd.DataFrame({"source": "reddit", "source_file": ["a", "a", "a", "a", "b"], "period": quarters})
    corpus = pd.concat([corpus, pd.DataFrame({"source": "reddit", "source_file": "b", "period": [quarters[10]] * 3})])
    labelled = corpus.iloc[[0, 2, 3]].assign(label=["neutral", "pro_china_tools", "neutral"])   # one undated
    got = sample_shares_by_period(labelled, corpus, LABELS)
    first, second = (got[got["period"] == q].set_index("label") for q in (quarters[10], quarters[14]))
    assert first.at["neutral", "n_covered"] == 2   # file a's two documents of Q1, not file b's three
    assert first.at["neutral", "n_unlabelled"] == 1 + 3 and first.at["neutral", "corpus_share"] == 1.0   # b counts here
    assert second.at["pro_china_tools", "n_covered"] == 1 and set(got["period"]) == {quarters[10], quarters[14]}


def test_equal_shares_test_rejects_a_real_difference_and_agrees_with_the_chi_square_on_real_labels():
    """The permutation p-value of equal shares: near 0 for a large difference, near the asymptotic chi-square
    p on the real recap labels (hundreds per period), 1 with one period."""
    from scipy.stats import chi2_contingency, permutation_test

    from pipeline.stance.sample_shares import equal_shares_p

    assert equal_shares_p(["q1"] * 50 + ["q2"] * 50, ["f"] * 100, [True] * 30 + [False] * 70) < 0.001
    assert equal_shares_p(["q1"] * 10, ["f"] * 10, [True, False] * 5) == 1.0
    rows = [json.loads(x) for x in (DEMO_CORPUS_DIR.parent / "labels" / "stance_v1.jsonl").read_text().splitlines()]
    recap = [r["label"] for r in rows if r["source"].endswith("ainews_social_recaps.jsonl")]
    periods = [f"p{i % 3}" for i in range(len(recap))]
    off = [x == "off_topic" for x in recap]   # 89 hits: the asymptotic chi-square holds
    table = pd.crosstab(pd.Series(periods), pd.Series(off))
    assert abs(equal_shares_p(periods, ["f"] * len(recap), off) - chi2_contingency(table)[1]) < 0.03
    # few hits: against scipy's own permutation test of the same statistic (Monte Carlo, so within 0.02)
    codes = np.array([int(p[1]) for p in periods])

    def chi2(x, y):   # Pearson's statistic of the 3 × 2 table, written out
        x = np.asarray(x).astype(int)
        got, size = np.bincount(x, weights=y, minlength=3), np.bincount(x, minlength=3)
        expect = size * y.mean()
        return (((got - expect) ** 2) * (1 / expect + 1 / (size - expect))).sum()

    for lab in ("pro_open_source", "pro_china_tools"):
        hits = np.array([x == lab for x in recap])
        ref = permutation_test((codes, hits.astype(float)), chi2, permutation_type="pairings", n_resamples=5000,
                               alternative="greater", random_state=1).pvalue
        assert abs(equal_shares_p(periods, ["f"] * len(recap), hits) - ref) < 0.03, lab
    # shuffling within files: a file whose every label is a hit, in one period, explains that period's excess
    per, files = ["q1"] * 40 + ["q2"] * 40, ["a"] * 20 + ["b"] * 20 + ["b"] * 40
    assert equal_shares_p(per, files, [True] * 20 + [False] * 60) == 1.0
