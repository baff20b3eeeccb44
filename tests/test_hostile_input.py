"""Hostile input (issue 7): real corpus files damaged in the test.

Each case runs the whole clean stage (:func:`pipeline.clean.clean`: reader,
normalisation, dates, language, duplicates) and checks that it does not crash,
that the result is either a correct parse or a ``rejects`` row with a clear
reason naming the file (and line), and that no record is dropped silently:
every input record is a document or a reject. ``tests/test_bad_input.py``
holds the earlier cases (truncated HTML, empty and zip-as-HTML files, cp1252
and GB18030, a broken JSON line, CSV with embedded newlines, missing and
implausible dates, a 20 MB page).
"""

from __future__ import annotations

import csv
import io
import json
import sys

import pytest

from pipeline.clean import clean
from tests.conftest import DEMO, spec_for

PAGE = "25-01-27-ainews-deepseek-1-on-us-app-store-nvidia-stock-tanks-17percent.html"
TECHNEWS = DEMO / "jsonl/technews_articles.jsonl"
FEDREG = DEMO / "jsonl/federal_register.jsonl"
TWEETS = DEMO / "social/x_posts_deepseek_2025-02-03.csv"


def _put(root, rel: str, data: bytes):
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _run(tmp_path, sources, clean_params, source_id: str, **overrides):
    spec = spec_for(sources, source_id, **overrides)
    docs, rejects = clean([spec], clean_params, manifest=[], root=tmp_path)
    return docs, rejects


def _lines(path, n: int) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()[:n]]


def _jsonl(rows: list) -> bytes:
    return "".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in rows).encode()


def _accounted(docs, rejects, n_records: int) -> None:
    """Every input record is a document or a record-level reject (bad_date keeps its document)."""
    dropped = [r for r in rejects if r.reason != "bad_date"]
    assert len(docs) + len(dropped) == n_records, ([d.native_id for d in docs], [(r.reason, r.detail) for r in dropped])
    for r in rejects:
        assert r.reason and r.detail and r.source_file in r.detail, r


# --- HTML -------------------------------------------------------------------------------------------------------------

def test_html_nested_100k_levels_deep(tmp_path, sources, clean_params):
    page = (DEMO / "html/ainews" / PAGE).read_text(encoding="utf-8")
    cut = page.rfind("</body>")
    deep = page[:cut] + "<div>" * 100_000 + "<p>deep text about DeepSeek</p>" + "</div>" * 100_000 + page[cut:]
    _put(tmp_path, "demo/html/ainews/deep.html", deep.encode())
    docs, rejects = _run(tmp_path, sources, clean_params, "ainews_html")
    _accounted(docs, rejects, 1)
    if docs:  # parsed: the real article text survives
        assert "DeepSeek" in docs[0].text
    else:
        assert rejects[0].reason in ("parse_error", "no_text")


def test_200_mb_html_file_is_refused_with_a_reason(tmp_path, sources, clean_params):
    page = (DEMO / "html/ainews" / PAGE).read_bytes()
    with open(tmp_path / "big", "wb") as fh:
        fh.write(page[: page.rfind(b"</body>")])
        block = b"<p>" + b"filler text " * 8_000 + b"</p>\n"
        for _ in range(200_000_000 // len(block) + 1):
            fh.write(block)
        fh.write(b"</body></html>")
    (tmp_path / "demo/html/ainews").mkdir(parents=True)
    (tmp_path / "big").rename(tmp_path / "demo/html/ainews/big.html")
    _put(tmp_path, "demo/html/ainews/good.html", page)
    docs, rejects = _run(tmp_path, sources, clean_params, "ainews_html")
    _accounted(docs, rejects, 2)
    assert [d.native_id for d in docs] == ["good.html"]
    assert [(r.native_id, r.reason) for r in rejects] == [("big.html", "too_large")]
    assert "MB" in rejects[0].detail


def test_html_with_only_scripts_styles_and_comments_is_no_text(tmp_path, sources, clean_params):
    html = ("<html><head><title>x</title><script>var a = 'DeepSeek';</script><style>p{}</style></head>"
            "<body><!-- DeepSeek comment --><script>track()</script><noscript></noscript></body></html>")
    _put(tmp_path, "demo/html/ainews/empty-after-cleaning.html", html.encode())
    _put(tmp_path, "demo/html/ainews/good.html", (DEMO / "html/ainews" / PAGE).read_bytes())
    docs, rejects = _run(tmp_path, sources, clean_params, "ainews_html")
    _accounted(docs, rejects, 2)
    assert [(r.native_id, r.reason) for r in rejects] == [("empty-after-cleaning.html", "no_text")]


def test_html_whose_declared_charset_lies(tmp_path, sources, clean_params):
    page = (DEMO / "html/ainews" / PAGE).read_text(encoding="utf-8")
    lying = (page.replace("<head>", '<head><meta charset="windows-1252">', 1)
             + "<p>深度求索 DeepSeek — “open” weights</p>")
    _put(tmp_path, "demo/html/ainews/lying.html", lying.encode("utf-8"))
    docs, rejects = _run(tmp_path, sources, clean_params, "ainews_html")
    _accounted(docs, rejects, 1)
    assert "â€" not in docs[0].text  # no mojibake from believing the meta tag


def test_utf16_html_with_bom(tmp_path, sources, clean_params):
    page = (DEMO / "html/ainews" / PAGE).read_text(encoding="utf-8")
    _put(tmp_path, "demo/html/ainews/utf16.html", page.encode("utf-16"))
    docs, rejects = _run(tmp_path, sources, clean_params, "ainews_html")
    _accounted(docs, rejects, 1)
    assert "DeepSeek" in docs[0].text


# --- text encodings -----------------------------------------------------------------------------------------------

def test_invalid_utf8_bytes_in_jsonl(tmp_path, sources, clean_params):
    rows = _lines(TECHNEWS, 6)
    data = bytearray(_jsonl(rows))
    at = data.find(b"the ")  # inside a body string of the first record
    data[at:at] = b"\xff\xfe\xc3("
    _put(tmp_path, "demo/jsonl/technews_articles.jsonl", bytes(data))
    docs, rejects = _run(tmp_path, sources, clean_params, "technews")
    _accounted(docs, rejects, 6)
    assert len(docs) == 6


def test_lone_surrogates_in_json_strings(tmp_path, sources, clean_params):
    rows = _lines(TECHNEWS, 5)
    lines = [json.dumps(r) for r in rows]
    lines[1] = lines[1].replace('"body": "', '"body": "\\ud800 broken pair \\udfff ', 1)
    _put(tmp_path, "demo/jsonl/technews_articles.jsonl", _jsonl(lines))
    docs, rejects = _run(tmp_path, sources, clean_params, "technews")
    _accounted(docs, rejects, 5)
    for d in docs:
        d.text.encode("utf-8")  # a lone surrogate would raise here, and later in DuckDB


def test_utf8_bom_and_crlf_line_endings(tmp_path, sources, clean_params):
    rows = _lines(TECHNEWS, 5)
    data = b"\xef\xbb\xbf" + b"".join(json.dumps(r).encode() + b"\r\n" for r in rows)
    _put(tmp_path, "demo/jsonl/technews_articles.jsonl", data)
    docs, rejects = _run(tmp_path, sources, clean_params, "technews")
    _accounted(docs, rejects, 5)
    assert not rejects and all("\r" not in d.text for d in docs)


def test_right_to_left_and_cjk_text(tmp_path, sources, clean_params):
    rows = _lines(TECHNEWS, 3)
    rows[0]["body"] = ("نموذج ديب سيك المفتوح المصدر يتحدى الشركات الأمريكية الكبرى في مجال الذكاء الاصطناعي، "
                       "ويثير نقاشا حول ضوابط التصدير والأمن القومي. ") * 3
    rows[1]["body"] = ("深度求索发布开源权重模型，美国科技巨头面临来自中国开放模型的竞争。"
                       "出口管制与供应链风险成为讨论焦点。") * 3
    _put(tmp_path, "demo/jsonl/technews_articles.jsonl", _jsonl(rows))
    docs, rejects = _run(tmp_path, sources, clean_params, "technews")
    _accounted(docs, rejects, 3)
    by_id = {d.native_id: d for d in docs}
    ar, zh = by_id.get(rows[0]["source_url"]), by_id.get(rows[1]["source_url"])
    if ar:  # kept only where the language filter allows it
        assert ar.lang == "ar" and "ديب سيك" in ar.text
    if zh:
        assert zh.lang == "zh" and "深度求索" in zh.text
    assert {r.reason for r in rejects} <= {"bad_date"}


def test_control_characters_and_zero_width_spaces(tmp_path, sources, clean_params):
    rows = _lines(TECHNEWS, 3)
    rows[0]["body"] = rows[0]["body"].replace(" ", " \u200b", 20).replace(".", ".\x00\x07", 5)
    _put(tmp_path, "demo/jsonl/technews_articles.jsonl", _jsonl(rows))
    docs, rejects = _run(tmp_path, sources, clean_params, "technews")
    _accounted(docs, rejects, 3)
    text = next(d.text for d in docs if d.native_id == rows[0]["source_url"])
    assert "\x00" not in text and "\x07" not in text and "\u200b" not in text


# --- JSON / JSON Lines ----------------------------------------------------------------------------------------------

def test_json_nested_10k_levels_deep(tmp_path, sources, clean_params):
    rows = [json.dumps(r) for r in _lines(TECHNEWS, 4)]
    rows[2] = '{"body": ' + "[" * 10_000 + "]" * 10_000 + "}"
    assert sys.getrecursionlimit() < 10_000
    _put(tmp_path, "demo/jsonl/technews_articles.jsonl", _jsonl(rows))
    docs, rejects = _run(tmp_path, sources, clean_params, "technews")
    _accounted(docs, rejects, 4)
    assert [(r.line, r.reason) for r in rejects if r.reason != "bad_date"] == [(3, "parse_error")]


def test_json_document_nested_10k_levels_deep(tmp_path, sources, clean_params):
    _put(tmp_path, "demo/social/hn_frontpage_2026.json", ("[" * 10_000 + "]" * 10_000).encode())
    docs, rejects = _run(tmp_path, sources, clean_params, "hn_frontpage")
    assert not docs and [r.reason for r in rejects] == ["parse_error"]
    assert "hn_frontpage_2026.json" in rejects[0].detail


def test_json_document_that_is_not_a_list(tmp_path, sources, clean_params):
    _put(tmp_path, "demo/social/hn_frontpage_2026.json", b'{"title": "DeepSeek", "url": "https://x"}')
    docs, rejects = _run(tmp_path, sources, clean_params, "hn_frontpage")
    assert not docs and [r.reason for r in rejects] == ["parse_error"]
    assert "does not select a list" in rejects[0].detail


def test_json_lines_with_mixed_schemas(tmp_path, sources, clean_params):
    rows = _lines(TECHNEWS, 6)
    rows[1] = {"headline": rows[1]["title"], "content": rows[1]["body"]}       # other field names: no id, no text
    rows[2] = [rows[2]["title"], rows[2]["body"]]                               # an array, not an object
    rows[3] = "just a string"                                                  # a scalar
    rows[4] = {**rows[4], "body": {"nested": rows[4]["body"]}}                 # text is an object
    _put(tmp_path, "demo/jsonl/technews_articles.jsonl", _jsonl([json.dumps(r) for r in rows]))
    docs, rejects = _run(tmp_path, sources, clean_params, "technews")
    _accounted(docs, rejects, 6)
    bad = sorted((r.line, r.reason) for r in rejects if r.reason != "bad_date")
    assert [line for line, _ in bad] == [2, 3, 4, 5]
    assert {reason for _, reason in bad} <= {"bad_record", "no_text"}


def test_json_lines_with_a_truncated_last_line_and_no_newline(tmp_path, sources, clean_params):
    lines = [json.dumps(r) for r in _lines(TECHNEWS, 5)]
    data = ("\n".join(lines[:4]) + "\n" + lines[4][: len(lines[4]) // 2]).encode()
    _put(tmp_path, "demo/jsonl/technews_articles.jsonl", data)
    docs, rejects = _run(tmp_path, sources, clean_params, "technews")
    _accounted(docs, rejects, 5)
    assert [(r.line, r.reason) for r in rejects if r.reason != "bad_date"] == [(5, "parse_error")]


def test_numbers_nan_and_null_in_json_fields(tmp_path, sources, clean_params):
    rows = [json.dumps(r) for r in _lines(FEDREG, 4)]
    first = json.loads(rows[0])
    rows[0] = json.dumps({**first, "item_id": 12345})                          # numeric native id
    rows[1] = rows[1].replace('"summary": ', '"summary": NaN, "_old_summary": ', 1)  # NaN text
    rows[2] = json.dumps({**json.loads(rows[2]), "title": None})              # null title
    _put(tmp_path, "demo/jsonl/federal_register.jsonl", _jsonl(rows))
    docs, rejects = _run(tmp_path, sources, clean_params, "federal_register")
    _accounted(docs, rejects, 4)
    ids = {d.native_id for d in docs}
    assert "12345" in ids
    assert all(d.title != "None" for d in docs)
    assert not [r for r in rejects if r.reason != "bad_date"]
    nan_doc = docs[1]  # a NaN summary is no text: the title stands in (as for title-only records)
    assert "nan" not in nan_doc.text.lower().split() and nan_doc.text == nan_doc.title


def test_duplicate_native_ids_inside_one_source(tmp_path, sources, clean_params):
    rows = _lines(TECHNEWS, 5)
    rows.append(dict(rows[1]))                                   # the same record again
    rows.append({**rows[2], "body": rows[2]["body"] + " An update."})  # same id, different content
    _put(tmp_path, "demo/jsonl/technews_articles.jsonl", _jsonl(rows))
    docs, rejects = _run(tmp_path, sources, clean_params, "technews")
    _accounted(docs, rejects, 7)
    assert sorted((r.line, r.reason) for r in rejects if r.reason != "bad_date") == [
        (6, "duplicate_record"), (7, "duplicate_native_id")]


def test_epoch_seconds_and_milliseconds_dates(tmp_path, sources, clean_params):
    rows = _lines(FEDREG, 3)
    rows[0]["original_published"] = 1738540800        # 2025-02-03 as epoch seconds (a JSON number)
    rows[1]["original_published"] = "1738540800000"   # the same in milliseconds, as a string
    rows[2]["original_published"] = "03/02/2025"      # ambiguous day/month: parsed, not guessed silently
    _put(tmp_path, "demo/jsonl/federal_register.jsonl", _jsonl(rows))
    docs, rejects = _run(tmp_path, sources, clean_params, "federal_register")
    _accounted(docs, rejects, 3)
    dates = [d.published_at.date().isoformat() if d.published_at else None for d in docs]
    assert dates[:2] == ["2025-02-03", "2025-02-03"]
    assert dates[2] in ("2025-03-02", "2025-02-03", None)


# --- CSV -----------------------------------------------------------------------------------------------------

def _tweets(tmp_path, rows) -> None:
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\n").writerows(rows)
    _put(tmp_path, "demo/social/x_posts_deepseek_2025-02-03.csv", buf.getvalue().encode())


def _tweet_rows(n: int) -> list[list[str]]:
    return list(csv.reader(io.StringIO(TWEETS.read_text(encoding="utf-8"), newline="")))[: n + 1]


def test_csv_with_nul_bytes(tmp_path, sources, clean_params):
    rows = _tweet_rows(8)
    rows[2][3] = rows[2][3][:10] + "\x00" + rows[2][3][10:]
    _tweets(tmp_path, rows)
    docs, rejects = _run(tmp_path, sources, clean_params, "x_deepseek")
    _accounted(docs, rejects, 8)
    assert all("\x00" not in d.text for d in docs)


def test_csv_rows_with_missing_and_extra_columns(tmp_path, sources, clean_params):
    rows = _tweet_rows(8)
    rows[3] = rows[3][:2]                      # too few columns
    rows[4] = rows[4] + ["extra", "columns"]   # too many
    _tweets(tmp_path, rows)
    docs, rejects = _run(tmp_path, sources, clean_params, "x_deepseek")
    _accounted(docs, rejects, 8)
    assert (3 + 1) in {r.line for r in rejects}  # the short row is rejected, naming its line


def test_csv_with_only_a_header(tmp_path, sources, clean_params):
    _tweets(tmp_path, _tweet_rows(0))
    docs, rejects = _run(tmp_path, sources, clean_params, "x_deepseek")
    assert not docs and not rejects


# --- markdown -------------------------------------------------------------------------------------------------------

def test_markdown_with_broken_front_matter(tmp_path, sources, clean_params):
    src = DEMO / "markdown/anthropic_policy/build-ai-in-america.md"
    text = src.read_text(encoding="utf-8")
    broken = text.replace("\n", "\n  : [unclosed\n", 2)  # invalid YAML inside the block
    _put(tmp_path, "demo/markdown/anthropic_policy/broken.md", broken.encode())
    _put(tmp_path, "demo/markdown/anthropic_policy/unterminated.md", b"---\ntitle: no end marker\n" + text.encode())
    docs, rejects = _run(tmp_path, sources, clean_params, "anthropic_policy")
    _accounted(docs, rejects, 2)
    assert {d.native_id for d in docs} == {"broken.md", "unterminated.md"}


def test_markdown_file_that_is_really_html(tmp_path, sources, clean_params):
    page = (DEMO / "html/ainews" / PAGE).read_bytes()
    _put(tmp_path, "demo/markdown/clippings/page.md", page)
    docs, rejects = _run(tmp_path, sources, clean_params, "clippings")
    _accounted(docs, rejects, 1)
    if docs:
        assert "<div" not in docs[0].text and "DeepSeek" in docs[0].text


def _ntia_metadata(root) -> None:
    """The NTIA source reads authors from its comment metadata file."""
    meta = DEMO / "policy/ntia_open_weights_2024/comment_metadata.json"
    _put(root, "demo/policy/ntia_open_weights_2024/comment_metadata.json", meta.read_bytes())


def test_binary_file_named_md_and_txt(tmp_path, sources, clean_params):
    png = (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 50)
    _put(tmp_path, "demo/markdown/clippings/image.md", png)
    _put(tmp_path, "demo/policy/ntia_open_weights_2024/texts/scan.txt", png)
    _ntia_metadata(tmp_path)
    docs, rejects = _run(tmp_path, sources, clean_params, "clippings")
    assert not docs and [(r.native_id, r.reason) for r in rejects] == [("image.md", "not_text")]
    docs, rejects = _run(tmp_path, sources, clean_params, "ntia_open_weights")
    assert not docs and [(r.native_id, r.reason) for r in rejects] == [("scan.txt", "not_text")]


def test_very_long_single_line_text_file(tmp_path, sources, clean_params):
    src = sorted((DEMO / "policy/ntia_open_weights_2024/texts").glob("*.txt"))[0]
    words = " ".join(src.read_text(encoding="utf-8").split())
    big = (words + " ") * (5_000_000 // len(words) + 1)
    _put(tmp_path, "demo/policy/ntia_open_weights_2024/texts/one-line.txt", big.encode())
    _ntia_metadata(tmp_path)
    docs, rejects = _run(tmp_path, sources, clean_params, "ntia_open_weights")
    _accounted(docs, rejects, 1)
    assert "\n" not in docs[0].text[:1000] and len(docs[0].text) > 4_000_000


@pytest.mark.parametrize("name", ["unicode-naïve-深度求索.md", "spaces and (parens).md"])
def test_odd_file_names(tmp_path, sources, clean_params, name):
    text = (DEMO / "markdown/anthropic_policy/build-ai-in-america.md").read_bytes()
    _put(tmp_path, f"demo/markdown/anthropic_policy/{name}", text)
    docs, rejects = _run(tmp_path, sources, clean_params, "anthropic_policy")
    _accounted(docs, rejects, 1)
    assert docs[0].native_id == name
