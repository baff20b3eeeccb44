"""Bad input, built from real corpus files damaged in the test: each case is
either read correctly or becomes a reject naming the file and line."""

from __future__ import annotations

import csv
import io
import json
import shutil

import pytest

from pipeline.clean import clean
from pipeline.documents import Normaliser
from pipeline.sources import RawRecord, Reject, make_reader
from tests.conftest import DEMO, spec_for

PAGE = "25-01-27-ainews-deepseek-1-on-us-app-store-nvidia-stock-tanks-17percent.html"


def _read(spec, root):
    items = list(make_reader(spec, root=root).read())
    return [i for i in items if isinstance(i, RawRecord)], [i for i in items if isinstance(i, Reject)]


def _html_dir(tmp_path, files: dict[str, bytes]):
    folder = tmp_path / "demo/html/ainews"
    folder.mkdir(parents=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return tmp_path


def test_truncated_html_still_yields_text(tmp_path, sources):
    data = (DEMO / "html/ainews" / PAGE).read_bytes()
    root = _html_dir(tmp_path, {"cut.html": data[: len(data) // 3]})
    records, rejects = _read(spec_for(sources, "ainews_html"), root)
    assert not rejects and len(records) == 1
    assert "DeepSeek" in records[0].text


def test_empty_and_binary_files_become_rejects(tmp_path, sources):
    zipped = tmp_path / "z"
    shutil.make_archive(str(zipped), "zip", DEMO / "markdown/anthropic_policy")
    root = _html_dir(tmp_path, {"empty.html": b"", "archive.html": (tmp_path / "z.zip").read_bytes(),
                                "good.html": (DEMO / "html/ainews" / PAGE).read_bytes()})
    records, rejects = _read(spec_for(sources, "ainews_html"), root)
    assert [r.native_id for r in records] == ["good.html"]
    assert {(r.native_id, r.reason) for r in rejects} == {("empty.html", "empty_file"), ("archive.html", "not_text")}
    assert all(r.detail.startswith("demo/html/ainews/") for r in rejects)


def test_cp1252_and_gb18030_files_are_decoded(tmp_path, sources):
    english = (DEMO / "markdown/anthropic_policy/build-ai-in-america.md").read_text(encoding="utf-8")
    chinese = (DEMO / "markdown/clippings/wallstreetcn_2026-04-24_deepseek-v4-preview.md").read_text(encoding="utf-8")
    assert "’" in english
    folder = tmp_path / "demo/markdown/clippings"
    folder.mkdir(parents=True)
    (folder / "cp1252.md").write_bytes(english.encode("cp1252", errors="ignore"))
    (folder / "gb18030.md").write_bytes(chinese.encode("gb18030"))
    records, rejects = _read(spec_for(sources, "clippings"), tmp_path)
    assert not rejects
    by_name = {r.native_id: r for r in records}
    assert "’" in by_name["cp1252.md"].text and "\ufffd" not in by_name["cp1252.md"].text
    assert "DeepSeek正式发布并开源全新系列模型" in by_name["gb18030.md"].text
    assert by_name["gb18030.md"].title.startswith("DeepSeek V4预览版发布")


def test_jsonl_with_one_broken_line(tmp_path, sources):
    lines = (DEMO / "jsonl/technews_articles.jsonl").read_text(encoding="utf-8").split("\n")[:20]
    lines[4] = lines[4][: len(lines[4]) // 2]
    folder = tmp_path / "demo/jsonl"
    folder.mkdir(parents=True)
    (folder / "technews_articles.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    records, rejects = _read(spec_for(sources, "technews"), tmp_path)
    assert len(records) == 19
    assert [(r.line, r.reason) for r in rejects] == [(5, "parse_error")]
    assert "technews_articles.jsonl:5" in rejects[0].detail
    assert [r.line for r in records][4] == 6


def test_csv_with_embedded_newlines(tmp_path, sources):
    text = (DEMO / "social/x_posts_deepseek_2025-02-03.csv").read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text, newline="")))[:11]
    rows[3][3] = rows[3][3] + "\nsecond line\n\nthird paragraph"
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\n").writerows(rows)
    folder = tmp_path / "demo/social"
    folder.mkdir(parents=True)
    (folder / "x_posts_deepseek_2025-02-03.csv").write_text(buf.getvalue(), encoding="utf-8")
    records, rejects = _read(spec_for(sources, "x_deepseek"), tmp_path)
    assert not rejects and len(records) == 10
    assert records[2].native_id == rows[3][4] and records[2].text.endswith("third paragraph")
    assert [r.line for r in records][2:4] == [4, 8]  # the record after the multi-line one starts 3 lines later


def test_records_without_dates(tmp_path, sources, clean_params):
    rows = [json.loads(line) for line in (DEMO / "jsonl/federal_register.jsonl").read_text().splitlines()[:5]]
    for row in rows:
        del row["original_published"]
    folder = tmp_path / "demo/jsonl"
    folder.mkdir(parents=True)
    (folder / "federal_register.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    spec = spec_for(sources, "federal_register")
    normalise = Normaliser.from_params(clean_params)
    records, _ = _read(spec, tmp_path)
    docs = [normalise(r, spec)[0] for r in records]
    assert len(docs) == 5 and all(d.published_at is None and d.date_precision is None for d in docs)
    windowed = [normalise(r, {**spec, "date_window": ["2025-02-06", "2025-03-15"]})[0] for r in records]
    assert {(d.published_at.isoformat(), d.date_precision) for d in windowed} == {
        ("2025-02-06T00:00:00+00:00", "window")}


def test_implausible_and_free_text_dates(tmp_path, sources, clean_params):
    rows = [json.loads(line) for line in (DEMO / "jsonl/federal_register.jsonl").read_text().splitlines()[:4]]
    for row, date in zip(rows, ["1900-01-01", "2100-05-05", "1738540800000", "published on Feb 3rd, 2025"]):
        row["original_published"] = date
    folder = tmp_path / "demo/jsonl"
    folder.mkdir(parents=True)
    (folder / "federal_register.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    spec = spec_for(sources, "federal_register")
    docs, rejects = clean([spec], clean_params, manifest=[], root=tmp_path)
    dates = [d.published_at.isoformat() if d.published_at else None for d in docs]
    assert dates == [None, None, "2025-02-03T00:00:00+00:00", "2025-02-03T00:00:00+00:00"]
    assert [(r.line, r.reason) for r in rejects] == [(1, "bad_date"), (2, "bad_date")]
    assert "1900-01-01" in rejects[0].detail and "federal_register.jsonl:1" in rejects[0].detail


@pytest.mark.slow
def test_20_mb_page_is_extracted(tmp_path, sources):
    html = (DEMO / "html/ainews" / PAGE).read_text(encoding="utf-8")
    start, end = html.find(">", html.find("<body")) + 1, html.rfind("</body>")
    body = html[start:end]
    copies = 20_000_000 // len(body) + 1
    big = html[:end] + "".join(f'<div class="archive">{body}</div>' for _ in range(copies)) + html[end:]
    assert len(big.encode("utf-8")) > 20_000_000
    root = _html_dir(tmp_path, {"big.html": big.encode("utf-8")})
    records, rejects = _read(spec_for(sources, "ainews_html"), root)
    assert not rejects and len(records) == 1
    assert "DeepSeek" in records[0].text and records[0].date_raw == "2025-01-28"
