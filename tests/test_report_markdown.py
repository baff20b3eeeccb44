"""reports/report.md from a tiny published warehouse of real demo documents:
the cell helpers, the sections and the assembled report."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from pipeline import workspace
from pipeline.report.cells import _cite, _md_cell, _month_label, _pct
from pipeline.report.figures import monthly_stance, top_topics
from pipeline.report.markdown import measurable_stances, stance_quality, write_report
from pipeline.report.sections import corpus_section

PARAMS = {"seed": 0, "min_docs_per_month": 1, "top_narratives": 15, "min_docs_narrative": 1, "min_recall": 0.2,
          "min_membership": 0.5, "top_actors": 12, "min_quotes": 1, "min_stance_quotes": 1}




def test_cells():
    assert _pct(0.1234) == "12.3 %" and _pct(1) == "100.0 %"
    assert _month_label("2025-11-07T12:00:00Z") == "2025-11"
    assert _md_cell("a | b\nc") == "a \\| b c"
    row = pd.Series({"outlet": "twitter/x", "published_at": pd.Timestamp("2024-03-04T12:00:00Z"),
                     "url": "https://x.com/1", "source_type": "recap"})
    assert _cite(next(pd.DataFrame([row]).itertuples())) == \
        "paraphrase by twitter/x of the linked post, 2024-03-04, <https://x.com/1>"
    news = next(pd.DataFrame([{**row, "outlet": "ZDNET", "source_type": "news"}]).itertuples())
    assert _cite(news) == "ZDNET, 2024-03-04, <https://x.com/1>"


def test_stance_quality_and_measurable_stances(wh):
    con, _ = wh
    q = stance_quality(con)
    # gold: news2 pro_open_source (predicted so), news3 security_hawk (predicted pro_open_source)
    assert q["n"] == 2 and q["model_version"] == "m-1"
    assert q["per_class"]["pro_open_source"] == {"precision": 0.5, "recall": 1.0, "support": 1}
    assert q["per_class"]["security_hawk"]["recall"] == 0.0
    assert measurable_stances(q, 0.2) == ["pro_open_source"]
    assert measurable_stances(q, 0.6) == []


def test_corpus_section_counts_the_corpus(wh):
    con, _ = wh
    corpus = workspace.query(con, "SELECT * FROM report_corpus_summary").iloc[0]
    lines = corpus_section(con, corpus, "figures/source_mix.png")
    text = "\n".join(lines)
    assert "**8 relevant, non-duplicate documents** from 3 sources, published 2024-02-21 to 2026-02-24" in text
    assert "87.5 % are in English" in text and "By source type: news 5, recap 2, policy 1." in text
    assert "`regulations` 1 on 2024-02-21" in text  # the window-dated document
    assert "| technews | 5 | 0 | 1 | 1 | 1 | 0 |" in lines
    assert "| clippings | 0 | 1 | 0 | 0 | 0 | 0 |" in lines  # only a duplicate
    assert lines[-2] == "![Source mix by month](figures/source_mix.png)"


def test_write_report_assembles_every_section(wh, tmp_path):
    con, ids = wh
    topics = top_topics(con, 2)  # N-01, N-02 (N-04 has no month: the report's tables need one)
    counts, _ = monthly_stance(con, 1)
    shares = workspace.bootstrap_shares(counts, seed=0, n_boot=50)
    figures = {n: tmp_path / "figures" / f"{n}.png" for n in ("stance_share", "narrative_heatmap",
                                                              "narrative_stance", "source_mix", "actor_stance")}
    pages = [tmp_path / "html" / "topics.html"]
    metrics = {"quotes": 9, "evaluation": {
        "attribution_partial_span": {"precision": 0.81, "recall": 0.62},
        "attribution_exact_span": {"precision": 0.7, "recall": 0.5}, "gold_quotes": 40, "documents": 10,
        "gold_documents_read": 9, "gold_documents_by_source_type": {"news": 10}}}
    path = tmp_path / "report.md"
    text = write_report(con, path, topics=topics, shares=shares, params=PARAMS, figures=figures, pages=pages,
                        quality=stance_quality(con), actor_metrics=metrics,
                        topic_metrics={"n_narrative_passages": 15, "n_taxonomy_passages": 3,
                                       "label_name_share": 0.1, "label_name_words": 2, "label_words": 20})
    assert path.read_text(encoding="utf-8") == text and text.endswith("\n")
    headings = re.findall(r"^## (\d)\.", text, flags=re.M)
    assert headings == ["1", "2", "3", "4", "5", "6", "7", "8"]
    # section 2: shares of the 6 unlabelled documents; the two unmeasurable stances get no share
    assert re.search(r"\| pro_open_source \| 0\.50 \| 1\.00 \| 2 \| 33\.3 % \| ", text)
    assert "| security_hawk | 0.00 | 0.00 | 1 | not measurable | not measurable | 5.0 / 8.0 pts |" in text
    # ACC share of stance_shares with its interval, and a citable evidence passage (never the URL-less window)
    row = con.execute("SELECT share_acc, lo, hi FROM stance_shares WHERE grouping = 'all' "
                      "AND label = 'pro_open_source'").fetchone()
    acc = f"{_pct(row[0])} ({100 * row[1]:.1f}–{100 * row[2]:.1f})"
    err = con.execute("SELECT acc_error, cc_error FROM report_stance_share_error "
                      "WHERE label = 'pro_open_source'").fetchone()
    assert (f"| {acc} |" if err[1] <= err[0] else f"| **{acc}** |") in text   # bold: the smaller CV error
    ev = re.findall(r"^- \*\*pro_open_source\*\* \(passage probability (0\.\d\d)\): “(.+)” \((.+), "
                    r"(\d{4}-\d\d-\d\d), <(https?://[^>]+)>\)$", text, flags=re.M)
    assert len(ev) == 2 and ev[0][0] >= ev[1][0]
    passages = con.execute("SELECT text, url FROM passages WHERE citable").fetchall()
    assert all(any(e[1].rstrip(" …") in " ".join(t.split()) and e[4] == u for t, u in passages) for e in ev)
    # section 3: the first claim in news1 (p 0.9) and the recap (outside the panel); its evidence is news1's passage
    tax = workspace.query(con, "SELECT narrative FROM narrative_taxonomy ORDER BY position")["narrative"].tolist()
    assert f"- `{tax[0]}` (p = 0.90): “" in text and f"- `{tax[2]}`: no citable passage carries it." in text
    assert "no labelled passages: every narrative is a zero-shot first cut" in text
    # who carries it: news1 (unlabelled, pro_open_source) and the recap; Meta quoted twice in news1's passage
    assert re.search(rf"\| `{tax[0]}` \| 2 \| 100\.0 % \| ZDNET \(1\), twitter/x \(1\) \| Meta \(2\) \|", text)
    # section 4: candidate narratives by size with their top terms, example passages from the corpus (the recap
    # as a paraphrase), the passages the taxonomy covers and the label name share of metrics/topics.json
    n01 = re.search(r"^\| N-01 \| open source, windows apps, free \| open source, apps, free, [^|]+ \| 5 \|", text,
                    flags=re.M)
    assert n01 and n01.start() < text.index("| N-02 | chinese model \\|")
    assert "Of 15 narrative passages, 3 carry a narrative of the taxonomy (section 3) and are left out" in text
    assert "2 of the 20 label words (10.0 %) are such names" in text
    assert "paraphrase by twitter/x of the linked post, 2024-03-04" in text
    # section 5: pro_open_source in N-01, 2 of its 3 unlabelled documents; the recap (0.8) cited first
    assert re.search(r"\*\*pro_open_source\*\* makes up the largest share of \*\*N-01\*\* .*: 2 of its 3 documents "
                     r"\(66\.7 %\)\..*Examples: paraphrase by twitter/x", text)
    # section 6: attribution figures and Meta's three pro_open_source quotes in two documents
    assert "9 quotes in 7 documents" in text and "precision 0.81 and recall 0.62" in text
    assert re.search(r"\| Meta \| company \| 3/4 \| 2 \| “", text)
    assert "| ZDNET | 4 | 2 (50.0 %) | 2 (50.0 %) |" in text
    # section 7: earliest records of N-01 with membership >= 0.5: the merged recap cites its own record now
    assert re.search(r"\| N-01 \| paraphrase by twitter/x .*2024-03-04.*\(recap\); "
                     r"paraphrase by reddit .*2024-03-21", text)
    assert "| N-02 | ZDNET, 2025-11-07" in text
    assert "[topics](html/topics.html)" in text and "](figures/actor_stance.png)" in text
    assert not re.search(r"\bnan\b|\bNaT\b", text)
    cited = set(re.findall(r"<(https?://[^>]+)>", text))
    urls = {r[0] for r in con.execute("SELECT url FROM corpus WHERE url IS NOT NULL").fetchall()}
    assert cited and cited <= urls


def test_pages_cache_key_covers_only_the_pages_module(wh, tmp_path, monkeypatch):
    import pipeline.report.pages as pages
    import pipeline.stage_cache as stage_cache

    con, _ = wh
    seen = {}

    class Stop(Exception):
        pass

    def fake(*parts, **kwargs):
        seen.update(kwargs)
        raise Stop

    monkeypatch.setattr(stage_cache, "fingerprint", fake)
    model = tmp_path / "bertopic"
    model.mkdir()
    (model / "topics.json").write_text("{}")
    with pytest.raises(Stop):
        pages.topic_pages(con, model, tmp_path / "html", top_topics(con, 2), cache_dir=tmp_path / "cache")
    assert seen["modules"] == [pages]
    assert Path(seen["modules"][0].__file__).name == "pages.py"
    with pytest.raises(FileNotFoundError):
        pages.topic_pages(con, tmp_path / "missing", tmp_path / "html", top_topics(con, 2))


def test_acc_counts_inverts_known_error_rates():
    from pipeline.report.stance_shares import acc_counts
    from pipeline.workspace import LABELS

    labels = list(LABELS)
    # labelled documents: every class 10 times; pro_china_tools half decided neutral, off_topic 3/10 neutral
    gold = pd.DataFrame({"label": [lab for lab in labels for _ in range(10)]})
    pred = list(gold["label"])
    for i in range(20, 25):
        pred[i] = "neutral"
    for i in range(40, 43):
        pred[i] = "neutral"
    gold["cv_prediction"] = pred
    true = {"pro_open_source": .1, "security_hawk": .1, "pro_china_tools": .4, "neutral": .2, "off_topic": .2}
    # the counts such a classifier gives 1,000 documents of that mix
    decided = {"pro_open_source": 100, "security_hawk": 100, "pro_china_tools": 200, "neutral": 200 + 200 + 60,
               "off_topic": 140}
    counts = pd.DataFrame({"period": "2025-01-01", "label": list(decided), "n_docs": list(decided.values())})
    out = acc_counts(counts, gold, labels, seed=0, reps=200).set_index("label")
    for lab, p in true.items():
        assert abs(out.at[lab, "share_acc"] - p) < 1e-3
        assert out.at[lab, "lo"] <= p <= out.at[lab, "hi"]
    assert abs(out.at["pro_china_tools", "share_cc"] - 0.2) < 1e-9 and (out["n"] == 1000).all()
