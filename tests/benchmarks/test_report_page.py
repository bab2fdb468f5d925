"""8. The report page: the full report as HTML at 12, 300 and 1,000 processes with 10 raters each.

Timed, per size: the HTML alone (`bot.web.page.render_page` of a report already built), and the whole
`GET /report/<token>` as `serve` answers it in this process (the token checked, the review loaded from a
SQLite file, the full report built with its ledger, the page rendered). Sizes are measured round robin, so
the machine's drift hits them alike. The chart is a request of its own (`/report/<token>/chart.png`), timed
once a size (after a first chart has imported matplotlib), for information.
"""

from __future__ import annotations

import gc
import os
import statistics
import time
from pathlib import Path
from typing import Any

from bot.charts import priority_chart
from bot.web.links import report_link
from bot.web.page import render_page
from bot.web.routes import report_pages
from bot.wiring import open_service
from flows.model import utcnow
from tests.benchmarks import results
from tests.support.harness import finished_review
from tests.support.report_pages import PUBLIC_URL, link_settings, wsgi_get

SIZES = (12, 300, 1000)
RATERS = 10
ROUNDS = int(os.environ.get("BENCH_PAGE_ROUNDS", "7"))


def test_report_page_time_as_reviews_grow(benchmark: Any, tmp_path: Path) -> None:
    table = results.table(
        f"8. The report page with {RATERS} raters a process (median of {ROUNDS}, ms)",
        ["processes", "HTML only", "fastest", "whole GET", "fastest GET", "page kB", "chart (once)"],
        target="none: for information",
    )
    settings = link_settings(database_url=f"sqlite:///{tmp_path / 'bench.db'}")
    service = open_service(settings.database_url)
    app = report_pages(settings, service)
    saved = {n: service.store.create(finished_review(n, RATERS)) for n in SIZES}
    reports = {n: service.full_report(saved[n]) for n in SIZES}
    paths = {n: (report_link(settings, saved[n]) or "").removeprefix(PUBLIC_URL) for n in SIZES}
    html: dict[int, list[float]] = {n: [] for n in SIZES}
    whole: dict[int, list[float]] = {n: [] for n in SIZES}
    sizes: dict[int, int] = {}

    def run() -> None:
        for n in SIZES:  # warm-up: templates, caches and imports
            answer = wsgi_get(app, paths[n])
            assert answer.status == 200
            sizes[n] = len(answer.body)
        gc.collect()
        gc.freeze()
        try:
            for _ in range(ROUNDS):
                for n in SIZES:
                    start = time.perf_counter()
                    render_page(reports[n], chart_url="chart.png", made_at=utcnow())
                    html[n].append(time.perf_counter() - start)
                    start = time.perf_counter()
                    assert wsgi_get(app, paths[n]).status == 200
                    whole[n].append(time.perf_counter() - start)
        finally:
            gc.unfreeze()

    benchmark.pedantic(run, rounds=1, iterations=1)
    priority_chart(reports[SIZES[0]])  # matplotlib's import is the first chart's
    for n in SIZES:
        start = time.perf_counter()
        priority_chart(reports[n])
        chart = time.perf_counter() - start
        table.add(
            n,
            statistics.median(html[n]) * 1000,
            min(html[n]) * 1000,
            statistics.median(whole[n]) * 1000,
            min(whole[n]) * 1000,
            sizes[n] / 1000,
            chart * 1000,
        )
    table.notes += [
        "Reviews: every process a candidate, none knocked out, 10 raters with random ratings (most tasks have "
        "disagreements and are fragile: the longest texts), one metric each, finished; stored in SQLite.",
        "Whole GET: the token checked, the review loaded, the full report with its ledger built, the page "
        "rendered, in this process (no HTTP hop).",
    ]
    service.store.engine.dispose()  # type: ignore[attr-defined]
