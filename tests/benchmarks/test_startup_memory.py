"""5. Start-up and memory of `outsource-review serve`.

Start-up: from starting the process to the first 200 from `GET /healthz` (polled every 10 ms), against the
floor (`floor_server`: a bare Bolt app behind waitress, same interpreter), alternating, on a migrated
database (the first start of a new database also runs the migrations: timed apart).

Memory: resident set size (VmRSS in /proc/<pid>/status) of `serve` on a database holding 10 reviews and on
one holding 10,000 (stored straight through the store), after the same 20 answers; then after 200 more
answers, each to another review. State is rehydrated per request, so stored reviews should cost nothing.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import event

from flows.interview import current_prompt
from storage.db import make_engine
from storage.migrate import ensure_schema
from storage.repository import SqlReviewStore
from tests.benchmarks import results
from tests.benchmarks.load import (
    bot_env,
    free_port,
    repo_env,
    serve_command,
    start_serve,
    stop_serve,
    wait_healthy,
)
from tests.support import FakeSlack, SignedClient
from tests.support import payloads as p
from tests.support.harness import BOT_TOKEN, RATING, SIGNING_SECRET, drive, review_at_prioritise

STARTS = int(os.environ.get("BENCH_STARTS", "5"))
STORED = (10, 10_000)
ANSWERED = 20
MORE = 200
GROWTH_ALLOWED = 1.10  # RSS with 10,000 stored reviews over RSS with 10: "no growth" within noise


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def seed(database_url: str, count: int, fake: FakeSlack, kickoffs: int) -> list[tuple[str, str]]:
    """`count` reviews of 12 processes at an open rating round; the first `kickoffs` get a kickoff message
    in the fake. Returns (channel, thread_ts) of those."""
    engine = make_engine(database_url)
    event.listen(engine, "connect", lambda conn, _: conn.execute("PRAGMA synchronous = OFF"))  # seeding only
    ensure_schema(engine)
    store = SqlReviewStore(engine)
    template = review_at_prioritise(12)
    drive(template, ["skip"])
    prompt = current_prompt(template)
    assert prompt is not None
    client = fake.client(BOT_TOKEN)
    threads = []
    for i in range(count):
        channel = f"C0M{i:06d}"
        if i < kickoffs:
            thread_ts = str(client.chat_postMessage(channel=channel, text="Outsource review")["ts"])
            threads.append((channel, thread_ts))
        else:
            thread_ts = f"1700000000.{i:06d}"
        store.create(
            replace(
                template,
                id=None,
                team_id=p.TEAM_ID,
                channel_id=channel,
                thread_ts=thread_ts,
                posted_question=prompt.key,
            )
        )
    engine.dispose()
    return threads


def answer_all(url: str, threads: list[tuple[str, str]], user: str) -> None:
    client = SignedClient(url, SIGNING_SECRET)
    for channel, thread_ts in threads:
        reply = client.event(p.message_event(RATING, user=user, channel=channel, thread_ts=thread_ts))
        assert reply.status == 200, reply


def time_start(command: list[str], env: dict[str, str], cwd: Path, port: int) -> float:
    log = cwd / f"start-{port}.log"
    with log.open("wb") as out:
        started = time.monotonic()
        process = subprocess.Popen(command, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_healthy(f"http://127.0.0.1:{port}", process, 60, log)
        return time.monotonic() - started
    finally:
        process.terminate()
        process.wait(10)


def test_start_up_and_memory(benchmark: Any, tmp_path: Path) -> None:
    starts = results.table(
        f"5a. Start-up: `outsource-review serve` to a healthy /healthz (median of {STARTS})",
        ["what", "ours s", "floor s", "ours/floor"],
        target="none set (reported)",
    )
    memory = results.table(
        "5b. Resident memory of `outsource-review serve` (VmRSS)",
        ["stored reviews", "after", "RSS MiB", "vs 10 stored"],
        target=f"no growth with stored reviews (within {GROWTH_ALLOWED:.2f}×)",
    )
    figures: dict[str, Any] = {}

    def run() -> None:
        with FakeSlack() as fake:
            # Start-up, alternating ours and the floor, on an already migrated database.
            database_url = f"sqlite:///{tmp_path / 'start.db'}"
            first_port = free_port()
            first = time_start(
                [*serve_command(), "--port", str(first_port)],
                bot_env(fake.api_url, database_url),
                tmp_path,
                first_port,
            )
            ours_times, floor_times = [], []
            for _ in range(STARTS):
                port = free_port()
                ours_times.append(
                    time_start(
                        [*serve_command(), "--port", str(port)],
                        bot_env(fake.api_url, database_url),
                        tmp_path,
                        port,
                    )
                )
                port = free_port()
                floor_times.append(
                    time_start(
                        [
                            sys.executable,
                            "-m",
                            "tests.benchmarks.floor_server",
                            "--port",
                            str(port),
                            "--database",
                            str(tmp_path / "floor.db"),
                        ],
                        repo_env(bot_env(fake.api_url, database_url)),
                        tmp_path,
                        port,
                    )
                )
            ours, floor = statistics.median(ours_times), statistics.median(floor_times)
            starts.add("start, database migrated", ours, floor, ours / floor)
            starts.add("first start: new database, migrations run", first, floor, first / floor)
            figures["start"] = (ours, floor)

            # Memory with few and many stored reviews: the same answers.
            rss: dict[tuple[int, str], int] = {}
            for count in STORED:
                database_url = f"sqlite:///{tmp_path / f'memory-{count}.db'}"
                threads = seed(database_url, count, fake, kickoffs=min(count, ANSWERED + MORE))
                served = start_serve(fake.api_url, database_url, tmp_path, f"memory-{count}")
                try:
                    rss[(count, "start")] = rss_kib(served.process.pid)
                    answer_all(served.url, (threads * ANSWERED)[:ANSWERED], "U0MEM0001")
                    rss[(count, f"{ANSWERED} answers")] = rss_kib(served.process.pid)
                    more = [threads[i % len(threads)] for i in range(ANSWERED, ANSWERED + MORE)]
                    answer_all(served.url, more, "U0MEM0002")
                    rss[(count, f"{ANSWERED + MORE} answers")] = rss_kib(served.process.pid)
                finally:
                    stop_serve(served)
            for (count, after), kib in rss.items():
                memory.add(f"{count:,}", after, kib / 1024, kib / rss[(STORED[0], after)])
            figures["rss"] = {f"{c} {a}": k for (c, a), k in rss.items()}
            many, few = STORED[1], STORED[0]
            figures["growth"] = max(rss[(many, a)] / rss[(few, a)] for c, a in rss if c == few)

    benchmark.pedantic(run, rounds=1, iterations=1)
    growth = figures["growth"]
    memory.met = growth <= GROWTH_ALLOWED
    memory.notes += [
        f"With {STORED[1]:,} stored reviews the process holds at most {growth:.2f}× the memory it holds with "
        f"{STORED[0]}, at the same point (started, after {ANSWERED} answers, after {ANSWERED + MORE}).",
        f"The {ANSWERED + MORE}-answer rows: {MORE} more replies, with 10,000 stored each to a review of its "
        f"own ({ANSWERED + MORE} reviews answered), with 10 stored the same 10 again.",
    ]
    ours, floor = figures["start"]
    starts.notes.append(
        "Both are Python processes behind waitress; ours also imports SQLAlchemy, Alembic, pydantic, "
        "transitions and the flows, and checks the schema before it listens."
    )
    benchmark.extra_info.update(start_s=round(ours, 3), floor_start_s=round(floor, 3), rss_kib=figures["rss"])
