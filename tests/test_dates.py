"""Publication dates, their precision and their ``date_source`` (issue 16,
part 1), on a real AINews page whose date markup is edited in the test, and
on real records whose date fields are edited."""

from __future__ import annotations

import json
import re
from pathlib import Path

import htmldate
import pytest
import yaml

from pipeline.clean import clean
from pipeline.config import SQL_DIR
from pipeline.documents import Normaliser, resolve_native_ids
from pipeline.sources import RawRecord, make_reader
from pipeline.sources.dates import DATE_SOURCES
from tests.conftest import DEMO, spec_for

PAGE = DEMO / "html/ainews/24-02-06-ainews-qwen-15-released.html"
#: every 4-digit year the page could be dated from (1990-2039)
YEAR = re.compile(r"(?<!\d)(?:199\d|20[0-3]\d)(?!\d)")


def undated_page() -> str:
    """The real page with every year removed (its byline ``2024-02-06``, the
    ``date=`` of its og:image URL, and every date in its text)."""
    return YEAR.sub("", PAGE.read_text(encoding="utf-8"))


def date_of(tmp_path: Path, sources, clean_params, html: str, **dates) -> tuple[str | None, str | None, str]:
    """``(published_at as YYYY-MM-DD[THH:MM], date_precision, date_source)`` of
    ``html`` read by the real ``ainews_html`` reader and normaliser, with
    ``clean.dates`` overridden by ``dates``."""
    folder = tmp_path / "demo/html/ainews"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "page.html").write_text(html, encoding="utf-8")
    options = {**clean_params["dates"], **dates}
    spec = spec_for(sources, "ainews_html")
    [record] = [r for r in make_reader(spec, root=tmp_path, dates=options).read() if isinstance(r, RawRecord)]
    doc, _ = Normaliser.from_params(clean_params)(record, spec)
    stamp = doc.published_at.strftime("%Y-%m-%dT%H:%M" if doc.date_precision == "time" else "%Y-%m-%d") \
        if doc.published_at else None
    return stamp, doc.date_precision, doc.date_source


def with_head(html: str, extra: str) -> str:
    return html.replace("</head>", extra + "</head>", 1)


def test_real_page_keeps_its_byline_date(tmp_path, sources, clean_params):
    assert date_of(tmp_path, sources, clean_params, PAGE.read_text(encoding="utf-8")) == \
        ("2024-02-06", "day", "byline")


def test_undated_page_has_no_date(tmp_path, sources, clean_params):
    html = undated_page()
    assert date_of(tmp_path, sources, clean_params, html, body_dates=True) == (None, None, "none")


def test_json_ld_published_beats_modified_meta(tmp_path, sources, clean_params):
    ld = {"@context": "https://schema.org", "@graph": [
        {"@type": "WebSite", "name": "AINews"},
        {"@type": ["NewsArticle"], "headline": "Qwen 1.5 Released",
         "datePublished": "2021-03-04", "dateModified": "2023-01-02T08:00:00Z"}]}
    html = with_head(undated_page(), '<meta property="article:modified_time" content="2023-01-02T08:00:00+00:00">'
                     f'<script type="application/ld+json">{json.dumps(ld)}</script>')
    # htmldate #195, the behaviour this replaces: the modified meta wins
    assert htmldate.find_date(html, extensive_search=True, original_date=True) == "2023-01-02"
    assert date_of(tmp_path, sources, clean_params, html) == ("2021-03-04", "day", "json_ld")


def test_meta_published_time_beats_modified(tmp_path, sources, clean_params):
    html = with_head(undated_page(), '<meta property="article:modified_time" content="2023-01-02T08:00:00+00:00">'
                     '<meta property="article:published_time" content="2021-03-04T09:30:00+00:00">')
    assert date_of(tmp_path, sources, clean_params, html) == ("2021-03-04T09:30", "time", "meta_published")


def test_modified_date_only_as_last_resort_and_by_param(tmp_path, sources, clean_params):
    html = with_head(undated_page(), '<meta property="article:modified_time" content="2023-01-02T08:00:00+00:00">')
    assert date_of(tmp_path, sources, clean_params, html, modified_dates=True) == \
        ("2023-01-02T08:00", "time", "modified")
    assert date_of(tmp_path, sources, clean_params, html, modified_dates=False) == (None, None, "none")


def test_copyright_year_only_when_params_allow(tmp_path, sources, clean_params):
    html = undated_page().replace("</body>", "<footer><p>© 2019 AINews (smol.ai)</p></footer></body>", 1)
    # the behaviour this replaces: a copyright year became 1 January at day precision
    assert htmldate.find_date(html, extensive_search=True, original_date=True) == "2019-01-01"
    assert clean_params["dates"]["body_dates"] is False
    assert date_of(tmp_path, sources, clean_params, html) == (None, None, "none")
    assert date_of(tmp_path, sources, clean_params, html, body_dates=True) == ("2019-01-01", "year", "copyright")


def test_month_in_body_only_when_params_allow(tmp_path, sources, clean_params):
    html = undated_page().replace("<article><p>", "<article><p>In March 2022 the lab released its first "
                                  "open model.</p><p>", 1)
    assert date_of(tmp_path, sources, clean_params, html) == (None, None, "none")
    assert date_of(tmp_path, sources, clean_params, html, body_dates=True) == ("2022-03-01", "month", "body_text")


@pytest.mark.parametrize(("byline", "expected"), [
    ('<p class="byline">By swyx · March 3, 2024</p>', ("2024-03-03", "day", "byline")),
    ('<div class="post-meta">Posted <time datetime="2024-03-05T10:00:00Z">5 Mar</time></div>',
     ("2024-03-05T10:00", "time", "byline")),
    ('<p>Updated March 9, 2024</p>', (None, None, "none")),  # a modified line is not a byline
])
def test_byline_beats_modified_and_body_dates(tmp_path, sources, clean_params, byline, expected):
    html = undated_page().replace("</h1>", "</h1>" + byline, 1)
    html = html.replace("<article><p>", "<article><p>In March 2022 the lab released its first open model.</p><p>", 1)
    assert date_of(tmp_path, sources, clean_params, html) == expected


def test_url_date_has_the_precision_of_the_url(tmp_path, sources, clean_params):
    page = undated_page()
    canonical = re.search(r'<link rel="canonical" href="([^"]+)"', page).group(1)
    day = page.replace(canonical, "https://news.smol.ai/2024/02/06/qwen-15-released", 1)
    month = page.replace(canonical, "https://news.smol.ai/2024/02/qwen-15-released", 1)
    assert date_of(tmp_path, sources, clean_params, day) == ("2024-02-06", "day", "url")
    assert date_of(tmp_path, sources, clean_params, month) == ("2024-02-01", "month", "url")


def test_record_field_precision_and_source(tmp_path, sources, clean_params):
    rows = [json.loads(line) for line in (DEMO / "jsonl/federal_register.jsonl").read_text().splitlines()[:5]]
    for row, date in zip(rows, ["2025-07", "2025-07-03", "2025-07-03T10:00:00Z", "March 3", "2025"]):
        row["original_published"] = date
    folder = tmp_path / "demo/jsonl"
    folder.mkdir(parents=True)
    (folder / "federal_register.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    docs, rejects = clean([spec_for(sources, "federal_register")], clean_params, manifest=[], root=tmp_path)
    assert [(d.published_at.isoformat() if d.published_at else None, d.date_precision, d.date_source)
            for d in docs] == [
        ("2025-07-01T00:00:00+00:00", "month", "record_field"),
        ("2025-07-03T00:00:00+00:00", "day", "record_field"),
        ("2025-07-03T10:00:00+00:00", "time", "record_field"),
        (None, None, "none"),  # no year: refused, not given the year of the run
        ("2025-01-01T00:00:00+00:00", "year", "record_field")]
    assert [(r.line, r.reason) for r in rejects] == [(4, "bad_date")]


def test_file_name_month_and_date_window(tmp_path, sources, clean_params):
    name = "2025-07-july.md"
    folder = tmp_path / "demo/markdown/simonw_newsletter"
    folder.mkdir(parents=True)
    (folder / name).write_bytes((DEMO / "markdown/simonw_newsletter" / name).read_bytes())
    spec = spec_for(sources, "simonw_newsletter")
    docs, _ = clean([spec], clean_params, manifest=[], root=tmp_path)
    assert [(d.published_at.isoformat(), d.date_precision, d.date_source) for d in docs] == [
        ("2025-07-01T00:00:00+00:00", "month", "file_name")]
    (folder / "july.md").write_bytes((folder / name).read_bytes())
    (folder / name).unlink()
    docs, _ = clean([{**spec, "date_window": ["2025-02-06", "2025-03-15"]}], clean_params, manifest=[], root=tmp_path)
    assert [(d.published_at.isoformat(), d.date_precision, d.date_source) for d in docs] == [
        ("2025-02-06T00:00:00+00:00", "window", "date_window")]


def test_merged_records_keep_the_earliest_date_and_its_source(tmp_path, sources, clean_params):
    line = (DEMO / "social/ainews_social_recaps.jsonl").read_text(encoding="utf-8").splitlines()[0]
    first, second = json.loads(line), json.loads(line)
    first["tweet_times"] = ["2025-01-21T10:00:00Z"]
    second["tweet_times"] = ["2025-01"]
    second["text"] = first["text"] + " (a second record with the same tweet URL)"
    spec = spec_for(sources, "ainews_recaps")
    folder = tmp_path / "demo/social"
    folder.mkdir(parents=True)
    (folder / "ainews_social_recaps.jsonl").write_text(json.dumps(first) + "\n" + json.dumps(second) + "\n")
    items = resolve_native_ids(list(make_reader(spec, root=tmp_path).read()), merge=True)
    [record] = [i for i in items if isinstance(i, RawRecord)]
    doc, _ = Normaliser.from_params(clean_params)(record, spec)
    assert (doc.n_records, doc.published_at.isoformat(), doc.date_precision, doc.date_source) == \
        (2, "2025-01-01T00:00:00+00:00", "month", "record_field")


def test_warehouse_data_test_accepts_exactly_the_date_sources():
    schema = yaml.safe_load((SQL_DIR / "warehouse/tests/schema.yaml").read_text(encoding="utf-8"))
    assert "date_source" in schema["documents"]["not_null"]
    assert schema["documents"]["accepted_values"]["date_source"] == list(DATE_SOURCES)
