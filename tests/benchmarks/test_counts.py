"""2. SQL statements and Web API calls per answer, as a table (the limits are enforced by the regular test
tests/test_query_counts.py, which the default run collects)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from tests.benchmarks import results
from tests.benchmarks.load import POSTGRES_URL, database, postgres_answers
from tests.support import FakeSlack
from tests.support.harness import FACILITATOR, Ours, review_at_rating
from tests.support.query_counts import ANSWERS, MAX_SQL, MAX_WEB_API, SIZES, count_one_answer


def test_statements_and_calls_per_answer(benchmark: Any, tmp_path: Path) -> None:
    table = results.table(
        "2. SQL statements and Web API calls caused by one typed answer",
        [
            "database",
            "answer",
            "processes",
            "SQL statements",
            "of which",
            "connections",
            "Web API calls",
        ],
        target=f"≤ {MAX_SQL} SQL statements and ≤ {MAX_WEB_API} Web API calls, the same at 12 and 300 processes",
    )
    rows: list[tuple[str, str, int, int, str, int, list[str]]] = []

    def count(database: str, url: str) -> None:
        with FakeSlack() as fake:
            app = Ours.start(fake, url)
            try:
                assert app.answer(app.seat(review_at_rating(3), "C0WARM000")) == 200
                for case, (what, build, text, user) in enumerate(ANSWERS):
                    for n in SIZES:
                        who = user if user == FACILITATOR else f"{user}{n:04d}"
                        counted = count_one_answer(app, fake, build(n), text, f"C0B{case:02d}{n:04d}", who)
                        kinds = _kinds(Counter(s.split()[0] for s in counted.sql))
                        rows.append(
                            (
                                database,
                                what,
                                n,
                                len(counted.sql),
                                kinds,
                                counted.checkouts,
                                counted.web_api,
                            )
                        )
            finally:
                app.engine.dispose()

    def run() -> None:
        count("SQLite", f"sqlite:///{tmp_path / 'counts.db'}")
        if postgres_answers() is None:
            with database("postgres", tmp_path) as url:
                count("PostgreSQL", url)
        else:
            table.notes.append(f"PostgreSQL skipped: {POSTGRES_URL} does not answer.")

    benchmark.pedantic(run, rounds=1, iterations=1)
    for database_name, what, n, sql, kinds, checkouts, calls in rows:
        table.add(database_name, what, n, sql, kinds, checkouts, ", ".join(calls) or "none")
    by_case: dict[tuple[str, str], set[tuple[int, tuple[str, ...]]]] = {}
    for database_name, what, _, sql, _, _, calls in rows:
        by_case.setdefault((database_name, what), set()).add((sql, tuple(calls)))
    table.met = all(sql <= MAX_SQL and len(calls) <= MAX_WEB_API for *_, sql, _, _, calls in rows) and all(
        len(found) == 1 for found in by_case.values()
    )
    table.notes += [
        "Counted on the engine (`before_cursor_execute`; neither driver issues BEGIN or COMMIT as statements) "
        "and on the fake Web API, for one signed thread reply through the real app, after a warm-up answer.",
        "Connections: taken from the pool during the answer; on PostgreSQL the engine checks each with a "
        "`SELECT 1` first (`pool_pre_ping`), a round trip the execution events do not see.",
        "An answer that moves on: 1 SELECT (the review with its answers, by its thread), the answer's "
        "transaction (UPDATE with the version guard, which also marks the question it opens as posted; the "
        "receipt; the changed answers, one upsert; the answer row). Whether there is a projection to clear is "
        "told by the review as loaded. "
        "A click or a form writes that mark in an UPDATE of its own after the post. The kickoff message "
        "is edited when the step changes.",
    ]


def _kinds(kinds: Counter[str]) -> str:
    return ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
