"""Stage ``report``: figures, interactive topic pages, ``reports/report.md`` and the topic exports.

Everything is read from the published warehouse (``data/debate.duckdb``,
opened read-only through :mod:`pipeline.workspace`; the report's queries are
the named views of ``pipeline/sql/warehouse/040_report_views.sql``), the
saved BERTopic model and the metrics files; no number in the report is typed
by hand. Modules, one job each:

* :mod:`~pipeline.report.figures`: the matplotlib figures (``reports/figures``)
  and the CSVs behind the DVC plots (``reports/plots``);
* :mod:`~pipeline.report.pages`: BERTopic's interactive pages (``reports/html``);
* :mod:`~pipeline.report.cells`: Markdown cell formatting (percentages, citations);
* :mod:`~pipeline.report.markdown`: ``reports/report.md`` from its sections
  (:mod:`~pipeline.report.sections`, :mod:`~pipeline.report.actor_section`);
* :mod:`~pipeline.report.topic_exports`: ``reports/topics.csv`` and ``reports/topics.md``;
* :mod:`~pipeline.report.stage`: reads params, wires the above, ``main()``.
"""
