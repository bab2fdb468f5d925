"""3. Under load: see `tests.benchmarks.load` (also runnable on its own). BENCH_LOAD_SECONDS shortens the runs."""

from __future__ import annotations

from typing import Any

import pytest

from tests.benchmarks import results
from tests.benchmarks.load import (
    DEFAULT_SECONDS,
    FSYNC_STALL_MS,
    POSTGRES_URL,
    TARGET_P99_MS,
    LoadResult,
    load_in_a_process,
    postgres_answers,
)

RUNS = [("sqlite", 1), ("postgres", 2)]


@pytest.mark.slow
def test_fifty_reviews_answered_at_once(benchmark: Any) -> None:
    table = results.table(
        f"3. Under load: 50 reviews, 100 requests a second for {DEFAULT_SECONDS:.0f} s, time to the HTTP 200",
        [
            "database",
            "serve processes",
            "sent",
            "acknowledged",
            "lost",
            "p50 ms",
            "p90 ms",
            "p99 ms",
            "max ms",
            "achieved req/s",
            "bot CPU ms / request",
            "fake CPU ms / request",
            "Web API calls",
            "disk flush p99 / max ms",
            f"disk stalls > {FSYNC_STALL_MS:.0f} ms",
        ],
        target=f"p99 ≤ {TARGET_P99_MS:.0f} ms, no answer lost",
    )
    found: list[LoadResult] = []

    def run() -> None:
        for db, processes in RUNS:
            if db == "postgres" and (why := postgres_answers()) is not None:
                table.notes.append(f"PostgreSQL skipped: {POSTGRES_URL} does not answer ({why}).")
                continue
            found.append(load_in_a_process(db, processes))

    benchmark.pedantic(run, rounds=1, iterations=1)
    for r in found:
        calls = ", ".join(f"{k} {v}" for k, v in sorted(r.web_api.items()) if not k.endswith(":failed"))
        table.add(
            r.database,
            r.processes,
            r.sent,
            r.acknowledged,
            r.lost,
            r.p50_ms,
            r.p90_ms,
            r.p99_ms,
            r.max_ms,
            r.achieved_rate,
            r.bot_cpu_ms,
            r.fake_cpu_ms,
            calls,
            f"{r.fsync_p99_ms:.1f} / {r.fsync_max_ms:.0f}",
            r.fsync_stalls,
        )
        if r.errors:
            table.notes.append(f"{r.database}: Web API calls the bot logged as failed: {r.errors}")
    table.met = bool(found) and all(r.met for r in found)
    table.notes += [
        "Open loop: request i is due at start + i/100 s whatever happened before; its time runs from when it "
        "was due to its HTTP 200 (the bot answers once its listener is done), so waiting in the generator or "
        "in the bot's queue counts. Every reply is a rating into an open round (saved as an answer row).",
        "Lost: replies acknowledged with 200 that have no answer row afterwards (compared by review, author "
        "and text).",
        "CPU per request: user + system time of the serve processes and of the fake Web API during the run, "
        "divided by the requests. Everything (bots, fake, generator, PostgreSQL) shares the machine's CPUs.",
        "Disk: meanwhile the generator flushes a 4 kB write to the disk the database is on, ten times a "
        "second, and times it. An answer is flushed to the disk before Slack hears back, so a stall of the "
        "disk holds up every answer that arrives while it lasts: the slowest requests follow the stalls.",
    ]
    benchmark.extra_info["load"] = [r.__dict__ for r in found]
    assert all(r.lost == 0 for r in found), [(r.database, r.lost) for r in found]
