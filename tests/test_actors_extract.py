"""Entity and quote rows of passages (:mod:`pipeline.actors.extract`,
issue 6) on a real article and a real public comment, and the per-document
cache of :func:`extract_incremental`."""

from __future__ import annotations

import json
import re
from types import SimpleNamespace

import pandas as pd
import pytest

from pipeline.actors import extract as extract_module
from pipeline.actors.extract import extract, extract_fingerprint, extract_incremental, quote_id
from pipeline.actors.quotes import QuoteFinder
from pipeline.actors.registry import load_actors, load_nlp
from pipeline.config import load_params
from tests.conftest import DEMO

VERGE = "https://www.theverge.com/news/712753/trump-nvidia-jensen-huang-break-up-chips-ai"
COLUMNS = ["passage_id", "doc_id", "idx", "text", "char_start", "relevance", "source", "author", "outlet", "title"]


@pytest.fixture(scope="module")
def finder() -> QuoteFinder:
    actors = load_actors()
    return QuoteFinder(load_nlp(actors=actors), actors)


def _passages(doc_id: str, text: str, source: str, author: str | None, outlet: str | None,
              relevance: list[float] | None = None) -> list[dict]:
    """``read_passages`` rows of ``text``: one per paragraph (blank-line separated)."""
    rows = []
    for idx, m in enumerate(re.finditer(r"\S(?:.|\n(?!\s*\n))*", text)):
        rows.append({"passage_id": f"{doc_id}-{idx}", "doc_id": doc_id, "idx": idx, "text": m.group(),
                     "char_start": m.start(), "relevance": relevance[idx] if relevance else 1.0,
                     "source": source, "author": author, "outlet": outlet})
    return rows


@pytest.fixture(scope="module")
def corpus() -> tuple[pd.DataFrame, dict[str, str]]:
    """The Verge article (12 gold direct quotes) and the first comment of the
    AI Action Plan RFI, the comment's second passage the most relevant."""
    article = next(r for r in map(json.loads, (DEMO / "jsonl/technews_articles.jsonl").read_text().splitlines())
                   if r["source_url"] == VERGE)["body"]
    comment = json.loads((DEMO / "policy/ai_action_plan_rfi_2025.jsonl").read_text().splitlines()[0])
    comment_text = comment["text"][:1500]
    rows = _passages("a-verge", article, "technews", None, "The Verge")
    n = len(_passages("b-rfi", comment_text, "ai_action_plan_rfi", "AABA", None))
    rows += _passages("b-rfi", comment_text, "ai_action_plan_rfi", "AABA", None,
                      [0.9 if i == 1 else 0.1 for i in range(n)])
    return pd.DataFrame(rows, columns=COLUMNS), {"a-verge": article, "b-rfi": comment_text}


def test_rows_index_the_document_text_and_quotes_are_found(finder, corpus):
    passages, documents = corpus
    entities, quotes = extract(passages, documents, finder, author_sources=["ai_action_plan_rfi"], progress=False)
    assert len(entities) > 20 and len(quotes) >= 5
    for r in entities.itertuples():
        assert documents[r.doc_id][r.start_char:r.end_char] == r.text
    for r in quotes.itertuples():
        assert documents[r.doc_id][r.start_char:r.end_char] == r.quote_text
        assert r.quote_id == quote_id(r.doc_id, r.start_char, r.end_char, r.cue)
    article = quotes[quotes["doc_id"] == "a-verge"]
    assert {"said_direct"} <= set(article["cue"]) and "Donald Trump" in set(article["speaker_actor"])
    # a public comment is one quote of its submitter: its most relevant passage
    comment = quotes[quotes["doc_id"] == "b-rfi"]
    assert comment[["passage_id", "speaker", "speaker_actor", "cue"]].values.tolist() == [
        ["b-rfi-1", "AABA", "other:AABA", "comment_author"]]


def test_passages_without_a_cue_give_the_entities_of_the_full_pipeline(finder, corpus):
    """Passages without a speech cue skip the parse (:func:`ner_only`); their
    entities are those of the whole pipeline."""
    passages, documents = corpus
    entities, _ = extract(passages, documents, finder, author_sources=[], progress=False)
    uncued = passages[~passages["text"].str.contains(extract_module._CUE)]
    assert len(uncued) >= 3
    for row in uncued.itertuples():
        full = [(e.text, e.label_, e.ent_id_ or None, e.start_char + row.char_start) for e in finder.nlp(row.text).ents]
        got = entities[entities["passage_id"] == row.passage_id].astype(object)
        got = got.where(got.notna(), None)
        assert list(zip(got["text"], got["label"], got["actor"], got["start_char"])) == full


def test_the_document_cache_returns_the_rows_without_parsing_again(finder, corpus, tmp_path):
    passages, documents = corpus
    kw = {"author_sources": ["ai_action_plan_rfi"], "cache_dir": tmp_path, "code": "test", "progress": False}
    first = extract_incremental(passages, documents, finder, **kw)
    fresh = extract(passages, documents, finder, author_sources=["ai_action_plan_rfi"], progress=False)
    # a finder without a pipeline: any parse would fail
    broken = SimpleNamespace(nlp=None, author=None)
    again = extract_incremental(passages, documents, broken, **kw)
    for a, b, c in zip(first, again, fresh):
        pd.testing.assert_frame_equal(a, b)
        pd.testing.assert_frame_equal(a, c, check_dtype=False)


def test_the_cache_key_covers_the_modules_that_shape_the_rows(monkeypatch):
    """:func:`extract_fingerprint` hashes the registry, sentence-start, quote, pronoun (session 30: a
    change to ``history.py`` kept the cached rows) and extraction modules and the files the finder reads,
    not the stance on quotes, the evaluation or the stage."""
    seen = {}
    monkeypatch.setattr(extract_module, "fingerprint", lambda *parts, **kw: seen.update(kw) or "x")
    extract_fingerprint(load_params("actors"), load_params("embed"))
    assert [m.__name__ for m in seen["modules"]] == ["pipeline.actors.registry", "pipeline.actors.recap_meta",
                                                      "pipeline.actors.quotes", "pipeline.actors.history",
                                                      "pipeline.actors.roles", "pipeline.actors.spans",
                                                      "pipeline.actors.transcripts", "pipeline.actors.extract"]
    assert [f.name for f in seen["files"]] == ["actors.yaml", "organisation_handles.yaml"]
    assert "spacy" in seen["packages"]


def test_a_quote_in_a_recap_line_and_its_issue_page_is_counted_once(finder, tmp_path, sources, clean_params):
    """The real AINews issue page of 2025-02-18 holds the recap line that the
    recap file holds as line 726; both gave the quote "after Grok-3, xAI must
    be considered a real competitor …", the page's to "xAI", the line's to the
    account that posted it. The quote is kept once, in the recap line (the
    shorter document, cited by its post); a repeat inside one source stays."""
    from pipeline.actors.repeats import drop_cross_source_repeats
    from pipeline.clean import clean
    from tests.conftest import spec_for

    page = "html/ainews/25-02-18-ainews-xai-grok-3-and-mira-muratis-thinking-machines.html"
    (tmp_path / "demo/html/ainews").mkdir(parents=True)
    (tmp_path / "demo" / page).write_bytes((DEMO / page).read_bytes())
    (tmp_path / "demo/social").mkdir(parents=True)
    line = (DEMO / "social/ainews_social_recaps.jsonl").read_text(encoding="utf-8").splitlines()[725]
    (tmp_path / "demo/social/ainews_social_recaps.jsonl").write_text(line + "\n", encoding="utf-8")
    docs, _ = clean([spec_for(sources, "ainews_html"), spec_for(sources, "ainews_recaps")], clean_params,
                    manifest=[], root=tmp_path)
    html, recap = sorted(docs, key=lambda d: d.source)
    words = "xAI must be considered a real competitor for SOTA models"
    assert words in recap.text and words in html.text and len(recap.text) < len(html.text)
    para = next(p for p in _passages(html.doc_id, html.text, "ainews_html", None, None) if words in p["text"])
    rows = [para] + _passages(recap.doc_id, recap.text, "ainews_recaps", None, None) + \
        _passages("copy", recap.text, "ainews_recaps", None, None)
    texts = {html.doc_id: html.text, recap.doc_id: recap.text, "copy": recap.text}
    _, quotes = extract(pd.DataFrame(rows, columns=COLUMNS), texts, finder, author_sources=[], progress=False)
    same = quotes[quotes["quote_text"].str.contains(words)]
    assert set(same["doc_id"]) == {html.doc_id, recap.doc_id, "copy"}
    kept, dropped = drop_cross_source_repeats(quotes, pd.DataFrame(rows, columns=COLUMNS), texts)
    assert dropped == 1 and len(kept) == len(quotes) - 1
    assert set(kept[kept["quote_text"].str.contains(words)]["doc_id"]) == {recap.doc_id, "copy"}


def test_a_quote_recapped_on_two_days_from_one_thread_is_counted_once(finder, tmp_path, sources, clean_params):
    """AINews' recap file summarises the Reddit thread on Sam Altman's warning
    on 2025-08-19 and again on 2025-08-20 (lines 2077 and 2094), and both lines
    quote "the U.S. is underestimating China's next-gen AI threat", cited to the
    same thread: one report of his words, kept once, in the shorter line. The
    same words in a passage without a URL are not merged."""
    from pipeline.actors.repeats import drop_same_record_repeats
    from pipeline.clean import clean
    from tests.conftest import spec_for

    lines = (DEMO / "social/ainews_social_recaps.jsonl").read_text(encoding="utf-8").splitlines()
    (tmp_path / "demo/social").mkdir(parents=True)
    (tmp_path / "demo/social/ainews_social_recaps.jsonl").write_text(lines[2076] + "\n" + lines[2093] + "\n",
                                                                     encoding="utf-8")
    docs, _ = clean([spec_for(sources, "ainews_recaps")], clean_params, manifest=[], root=tmp_path)
    assert len(docs) == 2 and docs[0].url == docs[1].url and "1muyikv" in docs[0].url
    rows = [{**p, "url": d.url} for d in docs for p in _passages(d.doc_id, d.text, "ainews_recaps", None, None)]
    rows += [{**p, "url": None} for p in _passages("no-url", docs[0].text, "ainews_recaps", None, None)]
    texts = {d.doc_id: d.text for d in docs} | {"no-url": docs[0].text}
    passages = pd.DataFrame(rows, columns=COLUMNS + ["url"])
    _, quotes = extract(passages, texts, finder, author_sources=[], progress=False)
    words = "underestimating China's next-gen AI threat"
    same = quotes[quotes["quote_text"].str.contains(words)]
    assert set(same["doc_id"]) == {docs[0].doc_id, docs[1].doc_id, "no-url"}
    kept, dropped = drop_same_record_repeats(quotes, passages, texts)
    shorter = min(docs, key=lambda d: len(d.text)).doc_id
    assert dropped == len(same[same["doc_id"] != shorter]) - len(same[same["doc_id"] == "no-url"]) > 0
    assert set(kept[kept["quote_text"].str.contains(words)]["doc_id"]) == {shorter, "no-url"}
    assert len(kept) == len(quotes) - dropped


def test_a_recap_records_title_and_summary_that_restate_one_quote_count_once(finder, tmp_path, sources,
                                                                               clean_params):
    """Session-29 review: the AINews recap line of 2025-08-19 (line 2077) gives Sam Altman's warning in its
    title ("OpenAI's Altman says the U.S. is underestimating China's next-gen AI threat") and again in its
    summary; both were his quotes, so section 2 counted his words twice. The longer is kept; quotes of other
    speakers in the passage stay."""
    from pipeline.actors.repeats import drop_restatements
    from pipeline.clean import clean
    from tests.conftest import spec_for

    lines = (DEMO / "social/ainews_social_recaps.jsonl").read_text(encoding="utf-8").splitlines()
    (tmp_path / "demo/social").mkdir(parents=True)
    (tmp_path / "demo/social/ainews_social_recaps.jsonl").write_text(lines[2076] + "\n", encoding="utf-8")
    docs, _ = clean([spec_for(sources, "ainews_recaps")], clean_params, manifest=[], root=tmp_path)
    rows = [p for d in docs for p in _passages(d.doc_id, d.text, "ainews_recaps", None, None)]
    _, quotes = extract(pd.DataFrame(rows, columns=COLUMNS), {d.doc_id: d.text for d in docs}, finder,
                        author_sources=[], progress=False)
    altman = quotes[quotes["speaker_actor"] == "Sam Altman"]
    assert len(altman) == 2 and altman["passage_id"].nunique() == 1
    kept, dropped = drop_restatements(quotes)
    assert dropped == 1 and len(kept) == len(quotes) - 1
    assert list(kept[kept["speaker_actor"] == "Sam Altman"]["quote_text"]) == [max(altman["quote_text"], key=len)]
    assert drop_restatements(quotes.assign(speaker_actor="unknown"))[1] == 0  # unnamed speakers: all kept


def test_a_headline_that_restates_the_articles_quote_counts_once(finder, tmp_path, sources, clean_params):
    """Session-31 review: restatements in other passages of one document stayed (an AINews issue page gives
    Liang Wenfeng's "R1 was a side project" in two channels' digests). TechCrunch's brief of 2025-08-24 (line
    64) heads "Elon Musk says xAI has open sourced Grok 2.5" and quotes "The @xAI Grok 2.5 model, which was our
    best model last year, is now open source," in another passage: one claim of Elon Musk's, kept once (the
    longer)."""
    from pipeline.actors.repeats import drop_restatements
    from pipeline.clean import clean
    from tests.conftest import spec_for

    lines = (DEMO / "jsonl/technews_articles.jsonl").read_text(encoding="utf-8").splitlines()
    assert "elon-musk-says-xai-has-open-sourced-grok-2-5" in lines[63]
    (tmp_path / "demo/jsonl").mkdir(parents=True)
    (tmp_path / "demo/jsonl/technews_articles.jsonl").write_text(lines[63] + "\n", encoding="utf-8")
    docs, _ = clean([spec_for(sources, "technews")], clean_params, manifest=[], root=tmp_path)
    rows = [p for d in docs for p in _passages(d.doc_id, d.text, "technews", None, "TechCrunch")]
    _, quotes = extract(pd.DataFrame(rows, columns=COLUMNS), {d.doc_id: d.text for d in docs}, finder,
                        author_sources=[], progress=False)
    musk = quotes[quotes["speaker_actor"] == "Elon Musk"]
    restated = musk[musk["quote_text"].str.contains("Grok 2.5")]
    assert len(restated) == 2 and restated["passage_id"].nunique() == 2
    kept, dropped = drop_restatements(quotes)
    assert dropped == 1 and len(kept) == len(quotes) - 1
    left = kept[kept["speaker_actor"] == "Elon Musk"]["quote_text"].tolist()
    assert max(restated["quote_text"], key=len) in left and min(restated["quote_text"], key=len) not in left
    assert len(left) == len(musk) - 1
    # of two as long, the one later in the text goes, whatever the row order
    first = restated.loc[restated["quote_text"].str.len().idxmax()]
    again = first.copy()
    again["quote_id"], again["start_char"] = "again", first["start_char"] + 900
    twice = pd.concat([pd.DataFrame([again]), quotes], ignore_index=True)
    kept, dropped = drop_restatements(twice)
    assert "again" not in set(kept["quote_id"]) and first["quote_id"] in set(kept["quote_id"]) and dropped == 2


def test_a_repeat_of_the_same_record_that_differs_by_punctuation_is_counted_once(tmp_path, sources, clean_params,
                                                                                  finder):
    """Session-24 review: two AINews recap lines of one Reddit thread (2025-09-26
    and 2025-09-29, lines 2430 and 2441) quote its GPU's name as “Fenghua No.3,”
    and "Fenghua No.3": the same words of the same record, which differed only
    by a comma and stayed twice. They are kept once."""
    from pipeline.actors.repeats import drop_same_record_repeats
    from pipeline.clean import clean
    from tests.conftest import spec_for

    lines = (DEMO / "social/ainews_social_recaps.jsonl").read_text(encoding="utf-8").splitlines()
    (tmp_path / "demo/social").mkdir(parents=True)
    (tmp_path / "demo/social/ainews_social_recaps.jsonl").write_text(lines[2429] + "\n" + lines[2440] + "\n",
                                                                     encoding="utf-8")
    docs, _ = clean([spec_for(sources, "ainews_recaps")], clean_params, manifest=[], root=tmp_path)
    assert len(docs) == 2 and docs[0].url == docs[1].url
    rows = [{**p, "url": d.url} for d in docs for p in _passages(d.doc_id, d.text, "ainews_recaps", None, None)]
    passages = pd.DataFrame(rows, columns=COLUMNS + ["url"])
    texts = {d.doc_id: d.text for d in docs}
    _, quotes = extract(passages, texts, finder, author_sources=[], progress=False)
    same = quotes[quotes["quote_text"].str.startswith("Fenghua No.3")]
    assert sorted(same["quote_text"]) == ["Fenghua No.3", "Fenghua No.3,"]
    kept, dropped = drop_same_record_repeats(quotes, passages, texts)
    assert dropped >= 1 and len(kept[kept["quote_text"].str.startswith("Fenghua No.3")]) == 1


def test_a_pronoun_after_passages_that_were_not_parsed_speaks_for_no_one(finder):
    """Session-26 review: in an AINews Discord issue (2025-11-06, OpenRouter #app-showcase) "- They added
    the comment “there's a cat girl in the image, so it's gotta be good”" followed "A member suggested …",
    a passage the stage does not read, so "They" took the subject of an earlier parsed passage, Moonshot
    AI. After unread text a pronoun has no subject to go on; read in order, the member blocks it."""
    text = ("Moonshot AI said that Kimi K2 Thinking is now available to all users on its platform.\n\n"
            "- Cat Girl Image Sparks Approval: A member suggested that a generated image including a cat girl is "
            "of high quality.\n\n"
            "- They added the comment \"there's a cat girl in the image, so it's gotta be good\".")
    rows = _passages("d1", text, "ainews_html", None, "AINews")
    for kept in (rows, [rows[0], rows[2]]):  # every passage parsed; the member's passage skipped
        _, quotes = extract(pd.DataFrame(kept, columns=COLUMNS), {"d1": text}, finder, author_sources=[],
                            progress=False)
        they = quotes[quotes["speaker"] == "They"]
        assert they["speaker_actor"].tolist() == ["unknown"], quotes[["speaker", "speaker_actor"]]
    _, quotes = extract(pd.DataFrame(rows[:1], columns=COLUMNS), {"d1": text}, finder, author_sources=[],
                        progress=False)
    assert quotes["speaker_actor"].tolist() == ["Moonshot AI"]  # the first passage's own speaker


def test_a_labs_app_name_in_a_users_post_speaks_as_the_app(finder):
    """The stage tells the finder which documents are users' posts (source types in ``USER_POSTS``): the
    same X post (x_deepseek, as the warehouse holds it) gives the DeepSeek app's answer as ``other:Deepseek``,
    and as a news text DeepSeek's own words; the finder is left as it was for the next document."""
    from pipeline.actors.extract import USER_POSTS

    text = "@user_89e6f251d6 Deepseek told me tariffs and MAGA are a declaration of inferiority against the PRC"
    speakers = {}
    for source_type in ("social", "news"):
        rows = [dict(r, source_type=source_type) for r in _passages("d1", text, "x_deepseek", None, "X")]
        _, quotes = extract(pd.DataFrame(rows, columns=[*COLUMNS, "source_type"]), {"d1": text}, finder,
                            author_sources=[], progress=False)
        speakers[source_type] = quotes["speaker_actor"].tolist()
    assert "social" in USER_POSTS and "news" not in USER_POSTS
    assert speakers == {"social": ["other:Deepseek"], "news": ["DeepSeek"]}
    assert finder.user_post is False


def test_a_comment_with_no_passage_at_the_threshold_still_gives_its_most_relevant_one(tmp_path):
    """Session-32 review: 85 public comments with a named submitter (80 AI Action Plan comments such as
    ServiceNow's and Verizon's, 5 NTIA ones) had every passage under ``min_passage_relevance``, so the stage
    read none of them and their submitter had no quote. ``read_passages`` now adds each comment's most relevant
    passage; other sources keep the threshold or are read whole. A comment that names no submitter gives no
    such quote, so it keeps the threshold (session 33: 118 such comments were read for nothing)."""
    import duckdb

    from pipeline.actors.extract import read_passages

    with (DEMO / "policy/ai_action_plan_rfi_2025.jsonl").open(encoding="utf-8") as lines:  # texts hold U+2028
        comment = next(r for r in map(json.loads, lines) if r["id"] == "ServiceNow-AI-RFI-2025")
    article = next(r for r in map(json.loads, (DEMO / "jsonl/technews_articles.jsonl").read_text().splitlines())
                   if r["source_url"] == VERGE)["body"]
    rows = (_passages("c-rfi", comment["text"][:3000], "ai_action_plan_rfi", "ServiceNow", None)
            + _passages("v-verge", article[:2000], "technews", None, "The Verge")
            + _passages("r-thread", article[2000:4000], "reddit_ai", None, None)
            + _passages("u-rfi", comment["text"][:3000], "ai_action_plan_rfi", " ", None))
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame["relevance"] = [0.1 + 0.05 * (i % 5) for i in range(len(frame))]  # all under 0.5 ...
    top = frame[frame["doc_id"] == "c-rfi"].sort_values(["relevance", "idx"], ascending=[False, True]).iloc[0]
    frame.loc[frame["doc_id"].eq("r-thread") & frame["idx"].eq(1), "relevance"] = 0.6  # ... but one
    frame["url"], frame["title"] = None, None
    embed, clean = tmp_path / "embed.duckdb", tmp_path / "clean.duckdb"
    with duckdb.connect(str(embed)) as con:
        con.register("f", frame)
        con.execute("CREATE TABLE passages AS SELECT passage_id, doc_id, idx, text, char_start, relevance, url FROM f")
    with duckdb.connect(str(clean)) as con:
        con.register("f", frame.drop_duplicates("doc_id"))
        con.execute("CREATE TABLE corpus AS SELECT doc_id, source, author, outlet, title, 'web' AS source_type FROM f")
    got = read_passages(embed, clean, 0.5, ["technews"], ["ai_action_plan_rfi"])
    assert got.loc[got["doc_id"] == "c-rfi", "passage_id"].tolist() == [top["passage_id"]]
    assert got.loc[got["doc_id"] == "v-verge", "idx"].tolist() == list(range((frame["doc_id"] == "v-verge").sum()))
    assert got.loc[got["doc_id"] == "r-thread", "idx"].tolist() == [1]
    assert "u-rfi" not in set(got["doc_id"])  # no submitter named: no quote to find, and no passage at 0.5
    before = read_passages(embed, clean, 0.5, ["technews"])  # as it was: the comment is not read at all
    assert "c-rfi" not in set(before["doc_id"])
