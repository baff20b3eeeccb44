"""Pseudonymisation of every source, the organisation list, the raw-handle
scanner and copy-paste campaigns, on real corpus files (issue 17)."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil

import pytest

from pipeline import warehouse
from pipeline.clean import clean, write_warehouse
from pipeline.config import SQL_DIR, ConfigError
from pipeline.privacy import load_organisation_handles, scan_warehouse
from pipeline.pseudonyms import pseudonym, pseudonymise, raw_handles
from tests.conftest import DEMO, copy_demo_files, spec_for

AINEWS = ("html/ainews/24-12-26-ainews-deepseek-v3-671b-finegrained-moe-trained-for-dollar55m-usd-of-compute"
          "-on-15t-tokens.html")
X_CSV = "social/x_posts_deepseek_2025-02-03.csv"


def _x_rows() -> list[list[str]]:
    return list(csv.reader(io.StringIO((DEMO / X_CSV).read_text(encoding="utf-8"), newline="")))


def _write_x(root, rows) -> None:
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\n").writerows(rows)
    (root / "demo/social").mkdir(parents=True, exist_ok=True)
    (root / "demo" / X_CSV).write_text(buf.getvalue(), encoding="utf-8")


def test_one_mapping_for_a_newsletter_and_an_x_export(tmp_path, sources, clean_params, monkeypatch):
    """A real AINews page (raw handles, formerly not pseudonymised) and an X
    post by the same account in a scheme-less vxtwitter link: one pseudonym,
    and no raw handle left in any field."""
    monkeypatch.setenv("DEBATE_PSEUDONYM_SALT", "test-salt")
    (tmp_path / "demo/html/ainews").mkdir(parents=True)
    shutil.copy(DEMO / AINEWS, tmp_path / "demo" / AINEWS)
    rows = _x_rows()[:2]
    rows[1][14] = "Scaling01"
    rows[1][3] = "see vxtwitter.com/SCALING01/status/1872 and nitter.poast.org/teortaxesTex/status/9 #DeepSeek"
    _write_x(tmp_path, rows)
    docs, _ = clean([spec_for(sources, "ainews_html"), spec_for(sources, "x_deepseek")], clean_params,
                    manifest=[], root=tmp_path)
    page, post = docs
    fake = pseudonym("scaling01", "test-salt")
    assert f"@{fake}" in page.text and post.author == fake
    assert post.text.startswith(f"see vxtwitter.com/{fake}/status/1872 and nitter.poast.org/"
                                f"{pseudonym('teortaxestex', 'test-salt')}/status/9")
    keep = load_organisation_handles()
    for doc in docs:
        for value in (doc.text, doc.title, doc.url, doc.author, doc.native_id):
            assert raw_handles(value, keep) == [], (doc.source, value and value[:200])
    assert not re.search("scaling01|teortaxes", repr(docs), re.IGNORECASE)
    assert "@deepseek_ai" in page.text  # an organisation on the list stays readable


def test_code_e_mails_and_names_are_not_handles(tmp_path, sources, clean_params):
    """Real notes with code (``"@cloudflare/sandbox"``, CSS ``@media``), a real
    e-mail in a docket comment and real policy-comment authors stay as written;
    the people mentioned in the notes are pseudonymised."""
    lines = (DEMO / "ndjson/simonwillison_blog_note.ndjson").read_text(encoding="utf-8").splitlines()
    kept = [ln for ln in lines if "@cloudflare/sandbox" in ln or "@media (" in ln or "@swyx" in ln]
    assert len(kept) >= 3
    (tmp_path / "demo/ndjson").mkdir(parents=True)
    (tmp_path / "demo/ndjson/simonwillison_blog_note.ndjson").write_text("\n".join(kept) + "\n", encoding="utf-8")
    shutil.copy(DEMO / "ndjson/simonwillison_blog_note.metadata.json", tmp_path / "demo/ndjson")
    rfi = [ln for ln in (DEMO / "policy/ai_action_plan_rfi_2025.jsonl").read_text(encoding="utf-8").splitlines()
           if "@nitrd.gov" in ln][:3]
    (tmp_path / "demo/policy").mkdir(parents=True)
    (tmp_path / "demo/policy/ai_action_plan_rfi_2025.jsonl").write_text("\n".join(rfi) + "\n", encoding="utf-8")
    docs, _ = clean([spec_for(sources, "simonwillison_notes"), spec_for(sources, "ai_action_plan_rfi")],
                    clean_params, manifest=[], root=tmp_path)
    notes = "\n".join(d.text for d in docs if d.source == "simonwillison_notes")
    assert '"@cloudflare/sandbox"' in notes and "@media (" in notes and "@swyx" not in notes
    comments = [d for d in docs if d.source == "ai_action_plan_rfi"]
    assert len(comments) == len(rfi) and all("@nitrd.gov" in d.text for d in comments)
    assert [d.author for d in comments] == [json.loads(ln)["submitter_from_filename"] for ln in rfi]


def test_organisation_file_lists_organisations_and_fails_fast(tmp_path):
    keep = load_organisation_handles()
    assert {"deepseek_ai", "openai", "alibaba_qwen"} <= keep and "sama" not in keep
    bad = tmp_path / "orgs.yaml"
    bad.write_text("organisations:\n  - {handle: openai, organisation: OpenAI, why: official}\n"
                   "  - {handle: sama, organisation: OpenAI}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"orgs\.yaml: entry 2 \(sama\): missing 'why'"):
        load_organisation_handles(bad)
    bad.write_text("organisations:\n  - {handle: not a handle, organisation: X, why: y}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="entry 1"):
        load_organisation_handles(bad)


def test_scanner_finds_what_an_unpseudonymised_source_leaves(tmp_path, sources, clean_params):
    """The same real page cleaned with pseudonymisation off and on: the scan of
    the DuckDB file finds the page's raw handles, then none."""
    (tmp_path / "demo/html/ainews").mkdir(parents=True)
    shutil.copy(DEMO / AINEWS, tmp_path / "demo" / AINEWS)
    keep = load_organisation_handles()
    counts = []
    for flag in (False, True):
        spec = dict(spec_for(sources, "ainews_html"), pseudonymise=flag)
        docs, rejects = clean([spec], clean_params, manifest=[], root=tmp_path)
        db = tmp_path / f"{flag}.duckdb"
        with warehouse.build(db, SQL_DIR / "clean", fresh=True) as con:
            write_warehouse(con, docs, rejects, [])
        counts.append(scan_warehouse(db, keep))
    assert len({f.handle.lower() for f in counts[0]}) >= 10 and "scaling01" in {f.handle for f in counts[0]}
    assert counts[1] == []


def test_copy_paste_campaign_counts_once(tmp_path, sources, clean_params):
    """Real reply spam of the X export: one account posts the same text as
    replies to six accounts. One document stays, with n_copies 5, and the
    corpus view (what embed, topics, stance and the report count) has it once."""
    rows = _x_rows()
    spam = [r for r in rows[1:] if "Don't support OpenAi products" in r[3]]
    assert len(spam) == 6 and len({r[14] for r in spam}) == 1 and len({r[3] for r in spam}) == 6
    _write_x(tmp_path, [rows[0], *spam])
    docs, rejects = clean([spec_for(sources, "x_deepseek")], clean_params, manifest=[], root=tmp_path)
    first, *copies = docs
    assert first.duplicate_of is None and first.n_copies == 5
    assert {(d.duplicate_of, d.duplicate_kind) for d in copies} == {(first.doc_id, "copy")}
    db = tmp_path / "clean.duckdb"
    with warehouse.build(db, SQL_DIR / "clean", fresh=True) as con:
        write_warehouse(con, docs, rejects, [])
        assert con.execute("SELECT count(*), sum(n_copies) FROM corpus").fetchone() == (1, 5)


def test_strip_status_ids_keeps_no_post_id(tmp_path, sources, clean_params):
    """privacy.strip_status_ids on real recap records: no status URL keeps its
    numeric id; two records of one post still share one pseudonymous id."""
    lines = (DEMO / "social/ainews_social_recaps.jsonl").read_text(encoding="utf-8").splitlines()[:40]
    (tmp_path / "demo/social").mkdir(parents=True)
    (tmp_path / "demo/social/ainews_social_recaps.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    params = dict(clean_params, privacy=dict(clean_params["privacy"], strip_status_ids=True))
    docs, _ = clean([spec_for(sources, "ainews_recaps")], params, manifest=[], root=tmp_path)
    status = re.compile(r"(?:x|twitter)\.com/\w+/status/(\w+)")
    ids = [m.group(1) for d in docs for v in (d.text, d.url, d.native_id) for m in status.finditer(v or "")]
    assert len(ids) >= 20 and all(re.fullmatch(r"s_[0-9a-f]{10}", i) for i in ids)
    plain, _ = clean([spec_for(sources, "ainews_recaps")], clean_params, manifest=[], root=tmp_path)
    assert any(status.search(d.url or "") and status.search(d.url).group(1).isdigit() for d in plain)
    assert pseudonymise("x.com/sama", salt="s", keep=frozenset()) == f"x.com/{pseudonym('sama', 's')}"


def test_reddit_users_and_a_mention_inside_chinese_text_are_pseudonymised(tmp_path, sources, clean_params,
                                                                          monkeypatch):
    """Real recap lines name Reddit users (``u/fairydreaming``, ``/u/FortranUA``,
    and in prose Reddit's generated ``Direct_Major_1393``, ``Ok-Parsnip-4826``)
    and a real AINews page quotes a Jike user (``即刻网友@Chris-Su对梁文锋…``):
    all stayed raw in the warehouse. E-mail addresses after a ligature
    (``ostp-ai-rﬁ@nitrd.gov``, real docket comments) and model names of the
    generated shape (``Qwen-Image-2512``, ``Magistral-Small-2506``) stay as written."""
    monkeypatch.setenv("DEBATE_PSEUDONYM_SALT", "test-salt")
    recaps = [ln for ln in (DEMO / "social/ainews_social_recaps.jsonl").read_text(encoding="utf-8").splitlines()
              if any(n in ln for n in ("u/fairydreaming", "/u/FortranUA", "Direct_Major_1393", "Qwen-Image-2512",
                                       "Magistral-Small-2506"))]
    page = "html/ainews/25-01-22-ainews-bespoke-stratos-sky-t1-the-vicunaalpaca-moment-for-reasoning.html"
    rfi = [ln for ln in (DEMO / "policy/ai_action_plan_rfi_2025.jsonl").read_text(encoding="utf-8").splitlines()
           if "ﬁ@nitrd.gov" in ln]
    assert len(recaps) >= 2 and rfi
    for rel, text in (("social/ainews_social_recaps.jsonl", "\n".join(recaps)),
                      ("policy/ai_action_plan_rfi_2025.jsonl", "\n".join(rfi))):
        (tmp_path / "demo" / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "demo" / rel).write_text(text + "\n", encoding="utf-8")
    (tmp_path / "demo/html/ainews").mkdir(parents=True)
    shutil.copy(DEMO / page, tmp_path / "demo" / page)
    docs, _ = clean([spec_for(sources, s) for s in ("ainews_recaps", "ainews_html", "ai_action_plan_rfi")],
                    clean_params, manifest=[], root=tmp_path)
    text = "\n".join(d.text for d in docs)
    for name in ("fairydreaming", "bullerwins", "FortranUA", "Chris-Su", "@Chris", "Direct_Major_1393",
                 "Ok-Parsnip-4826"):
        assert name not in text, name
    assert pseudonym("Direct_Major_1393", "test-salt") in text
    assert pseudonym("Ok-Parsnip-4826", "test-salt") in text
    assert "Qwen-Image-2512" in text and "Magistral-Small-2506" in text
    assert f"u/{pseudonym('fairydreaming', 'test-salt')}" in text
    assert f"/u/{pseudonym('FortranUA', 'test-salt')}" in text
    assert f"即刻网友@{pseudonym('Chris-Su', 'test-salt')}对" in text
    assert "ﬁ@nitrd.gov" in text  # an e-mail address, not a handle
    keep = load_organisation_handles()
    assert all(raw_handles(d.text, keep) == [] for d in docs)


def test_authors_of_discord_messages_an_ainews_page_quotes_are_pseudonymised(tmp_path, sources, clean_params,
                                                                             monkeypatch):
    """A real AINews page quotes Discord messages under their channel
    heading with the author's user name ("LM Studio ▷ #autogen (1
    messages):  lowkey9920: Try autogen studio"): it stayed raw. The name
    is pseudonymised there; the page's other words stay."""
    monkeypatch.setenv("DEBATE_PSEUDONYM_SALT", "test-salt")
    page = "html/ainews/24-02-06-ainews-qwen-15-released.html"
    (tmp_path / "demo/html/ainews").mkdir(parents=True)
    shutil.copy(DEMO / page, tmp_path / "demo" / page)
    docs, _ = clean([spec_for(sources, "ainews_html")], clean_params, manifest=[], root=tmp_path)
    text = docs[0].text
    assert "lowkey9920" not in text
    assert f"#autogen (1 messages):\n\n{pseudonym('lowkey9920', 'test-salt')}: Try autogen studio" in text
    assert "LM Studio" in text and "Qwen" in text


def test_discord_names_with_dots_or_of_32_characters_are_pseudonymised_whole(tmp_path, sources, clean_params,
                                                                             monkeypatch):
    """A real AINews page names Discord users whose names hold dots
    (``@sebastian.bodza``, ``@marc.casals.salvador``) or run to 31
    characters (``@byerk_enjoyer_sociology_enjoyer``): the first kept their
    tail after the pseudonym, the second stayed raw (session-19 review). Each
    is pseudonymised whole; a name ending like a domain (``@kapa.ai``,
    ``@gli7ch.com``) keeps that ending, and the page's ``support@perplexity.ai``
    e-mail and its words stay as written."""
    monkeypatch.setenv("DEBATE_PSEUDONYM_SALT", "test-salt")
    page = "html/ainews/24-02-06-ainews-qwen-15-released.html"
    (tmp_path / "demo/html/ainews").mkdir(parents=True)
    shutil.copy(DEMO / page, tmp_path / "demo" / page)
    docs, _ = clean([spec_for(sources, "ainews_html")], clean_params, manifest=[], root=tmp_path)
    text = docs[0].text
    assert not re.search(r"bodza|casals|salvador|byerk", text, re.IGNORECASE)
    for name in ("sebastian.bodza", "marc.casals.salvador", "byerk_enjoyer_sociology_enjoyer"):
        assert "@" + pseudonym(name, "test-salt") in text, name
    # the only tails left after a pseudonym are domain endings (``@kapa.ai``, a bot's site name)
    assert set(re.findall(r"@user_[0-9a-f]{10}\.([a-z]\w*)", text)) == {"ai", "com"}
    assert "support@perplexity.ai" in text and "Qwen" in text
    assert raw_handles(text, load_organisation_handles()) == []


def test_display_names_before_a_tweets_handle_become_its_pseudonym(tmp_path, sources, clean_params, monkeypatch):
    """A real AINews page prints "Tweet from <display name> (@handle)": the handle was pseudonymised and the
    name beside it stayed raw, tying the pseudonym to a searchable name (session-28 review: 262 names in the
    warehouse). The name becomes the handle's pseudonym, a name with a bracket ("Vaibhav (VB) Srivastav")
    whole; an organisation's account keeps its display name; the privacy scan finds a name left beside a
    pseudonym."""
    monkeypatch.setenv("DEBATE_PSEUDONYM_SALT", "test-salt")
    pages = ["html/ainews/24-02-06-ainews-qwen-15-released.html",
             "html/ainews/24-06-10-ainews-talaria-apples-new-mlops-superweapon.html"]
    copy_demo_files(tmp_path, pages)
    docs, _ = clean([spec_for(sources, "ainews_html")], clean_params, manifest=[], root=tmp_path)
    text = "\n".join(d.text for d in docs)
    for name, handle in (("Vaibhav (VB) Srivastav", "reach_vb"), ("Stella Biderman", "BlancheMinerva"),
                         ("hardmaru", "hardmaru"), ("Arnaud Pannatier", "ArnaudPannatier")):
        assert name not in text, name
        p = pseudonym(handle, "test-salt")
        assert f"Tweet from {p} (@{p})" in text, name
    assert "Tweet from OpenAI (@OpenAI)" in text  # an organisation's account (corpora/organisation_handles.yaml)
    keep = load_organisation_handles()
    assert raw_handles(text, keep) == []
    assert raw_handles("- Tweet from Foo Bar (@user_95a0c44f92): Am I going crazy", keep) == ["Foo Bar"]


def test_display_names_of_tweet_signatures_and_list_lines_become_the_pseudonym(tmp_path, sources, clean_params,
                                                                              monkeypatch):
    """Session-28 re-review: 31 more name–pseudonym pairs, in a tech-news tweet embed's signature ("— Rebecca
    Bellan (@RebeccaBellan) March 25, 2026") and an AINews page's list lines ("- Nathan Lambert (@natolambert):
    …"). They become the pseudonym; a recap's source citation in prose ("… strong results on Design Arena
    (@foo)") keeps its words, and an organisation's signature its name ("— Anthropic (@AnthropicAI) …")."""
    monkeypatch.setenv("DEBATE_PSEUDONYM_SALT", "test-salt")
    page = ("html/ainews/24-11-27-ainews-qwen-with-questions-32b-open-weights-reasoning-model-nears-o1-in-"
            "gpqaaimemath500.html")
    copy_demo_files(tmp_path, [page, "jsonl/technews_articles.jsonl"])
    docs, _ = clean([spec_for(sources, "ainews_html"), spec_for(sources, "technews")], clean_params, manifest=[],
                    root=tmp_path)
    text = "\n".join(d.text for d in docs)
    for name, handle in (("Rebecca Bellan", "RebeccaBellan"), ("Nathan Lambert", "natolambert"),
                         ("Daniel van Strien", "danielvanstrien.bsky.social"), ("Xeophon", "xeophon.bsky.social")):
        p = pseudonym(handle, "test-salt")
        assert f"{name} (@{p})" not in text and f"{p} (@{p})" in text, name
    assert re.search(r"— Anthropic \(@AnthropicAI\) June 30, 2026", text)
    assert raw_handles(text, load_organisation_handles()) == []
    prose = "- GLM-4.6 shows strong performance on Design Arena (@user_96cfe7c12d)."
    assert pseudonymise(prose, salt="test-salt", keep=frozenset()) == prose
    # third review: an X page's title quoted in a Reddit thread, a signature without its dash (the shipped X
    # export, already pseudonymised), a list line whose handle ends like a domain (Bluesky custom domain)
    p = pseudonym("sama", "test-salt")
    assert pseudonymise("Sam Altman (@sama) on X: GPT-4.1", salt="test-salt", keep=frozenset()) == \
        f"{p} (@{p}) on X: GPT-4.1"
    signed = "https://t.co/SOF9Lqv6bB Jim Carroll (@user_bea9a937e7) Feb 2 2025"
    assert pseudonymise(signed, salt="test-salt", keep=frozenset()) == \
        "https://t.co/SOF9Lqv6bB user_bea9a937e7 (@user_bea9a937e7) Feb 2 2025"
    q = pseudonym("quinnypig", "test-salt")
    assert pseudonymise("- Corey Quinn (@quinnypig.com): It's an AI best practice", salt="test-salt",
                        keep=frozenset()) == f"- {q} (@{q}.com): It's an AI best practice"
