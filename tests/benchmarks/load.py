"""3. Under load: `outsource-review serve` answering 50 reviews at once, at a steady rate, on loopback only.

    python -m tests.benchmarks.load                      # SQLite, one process, 60 s at 100 requests a second
    python -m tests.benchmarks.load --db postgres --processes 2
    BENCH_LOAD_SECONDS=10 python -m tests.benchmarks.load  # a quick run
    python -m tests.benchmarks.load --api-latency 2      # the fake Web API answering each call in 2 s

What runs, each in a process of its own: the fake Web API (`fake_server`), one or more `outsource-review
serve` (waitress, as in production, logging one line a request), and this load generator. Before the run,
`--reviews` reviews of 12 processes are stored at a rating question with no raters named, so every rating is
kept in the open round and saved as an answer row (the bot then thanks the rater: a Web API call; and checks,
once a channel, who is in it). With `--named-raters`, the 20 people and one more who never rates are the
review's named raters: the round stays open and nobody is looked up (the facilitator names the team's raters
when a review starts). The generator submits the rating form (signed, as Slack posts it; ratings are
never typed in the thread since 2026-12-05) open-loop: request i leaves at
start + i / rate, whatever happened to earlier ones (a pool of threads sends them), to review i mod
`--reviews`, from one of 20 people, with ratings drawn at random; with several processes, requests go round
robin. It measures each request from the moment it was due to its HTTP 200 (the bot answers after its
listener has finished), and afterwards compares every acknowledged reply with the answer rows in the
database: an acknowledged reply with no row is an answer lost. With `--api-latency`, the fake Web API answers
each call that many seconds late once the reviews are seeded (the serve processes' delivery threads send what
the replies wrote to the outbox meanwhile; the HTTP answer does not wait for them).

PostgreSQL runs in a schema of its own, dropped afterwards (server: BENCH_POSTGRES_URL, default
postgresql://postgres@127.0.0.1:5432/test).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url
from sqlmodel import Session, select

from bot.slack import ids
from bot.slack.text import question_token
from flows.interview import K_RATE, current_prompt
from flows.method import FACTOR_IDS
from storage.db import make_engine
from storage.migrate import ensure_schema
from storage.repository import SqlReviewStore
from storage.tables import AnswerRow
from tests.support import SignedClient
from tests.support import payloads as p
from tests.support.harness import (
    BOT_TOKEN,
    SIGNING_SECRET,
    drive,
    percentile,
    process_names,
    review_at_prioritise,
)

POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
DEFAULT_SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", "60"))
PEOPLE = [f"U0LOAD{i:03d}" for i in range(20)]
AWAY = "U0AWAY000"  # a named rater who never rates, so that rounds stay open (`--named-raters`)
TARGET_P99_MS = 100.0
REPO = Path(__file__).resolve().parents[2]
RATED = K_RATE + process_names(12)[0]  # the rating question the seeded reviews are at (`seed_reviews`)


def repo_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """`env` (default: ours) with the checkout on PYTHONPATH, for `python -m tests.benchmarks...` anywhere."""
    env = dict(os.environ if env is None else env)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    return env


@dataclass
class Sent:
    review: str
    user: str
    text: str
    due: float
    started: float = 0.0
    done: float = 0.0
    status: int | None = None
    error: str | None = None


@dataclass
class LoadResult:
    database: str
    processes: int
    seconds: float
    rate: float
    reviews: int
    api_latency: float = 0.0  # seconds the fake Web API took to answer each call
    sent: int = 0
    acknowledged: int = 0
    failed: int = 0
    lost: int = 0
    unexpected: int = 0
    p50_ms: float = 0.0
    p90_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0
    service_p99_ms: float = 0.0
    achieved_rate: float = 0.0
    bot_cpu_ms: float = 0.0  # CPU time of the serve processes per request (user + system)
    fake_cpu_ms: float = 0.0  # CPU time of the fake Web API per request
    web_api: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    # The disk during the run (`disk_probe`): how long a 4 kB write took to be flushed (fsync).
    fsync_p99_ms: float = 0.0
    fsync_max_ms: float = 0.0
    fsync_stalls: int = 0  # flushes over FSYNC_STALL_MS

    @property
    def met(self) -> bool:
        return self.p99_ms <= TARGET_P99_MS and self.lost == 0 and self.failed == 0


# ---------------------------------------------------------------- the parts


FSYNC_STALL_MS = 50.0


@contextlib.contextmanager
def disk_probe(directory: Path, every: float = 0.1) -> Iterator[list[float]]:
    """Flush a 4 kB write to a file in `directory` every `every` seconds while the block runs; yields the
    flush times (s). Answers wait for the disk (each commit is flushed): when the disk stalls, every answer
    waiting behind that commit waits too, and this shows when it did."""
    flushes: list[float] = []
    stop = threading.Event()
    path = directory / "disk-probe"

    def probe() -> None:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        try:
            while not stop.wait(every):
                os.pwrite(fd, b"x" * 4096, 0)
                started = time.perf_counter()
                os.fsync(fd)
                flushes.append(time.perf_counter() - started)
        finally:
            os.close(fd)
            path.unlink(missing_ok=True)

    runner = threading.Thread(target=probe, name="disk-probe", daemon=True)
    runner.start()
    try:
        yield flushes
    finally:
        stop.set()
        runner.join(5)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def fake_slack_process() -> Iterator[tuple[str, int]]:
    """The fake Web API in its own process; yields its API URL and pid."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.benchmarks.fake_server", "--members", ",".join(PEOPLE)],
        cwd=REPO,
        env=repo_env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        if not url.startswith("http://127.0.0.1:"):
            raise RuntimeError(f"the fake Web API did not start: {url!r}")
        yield url, process.pid
    finally:
        if process.stdin is not None:
            process.stdin.close()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def set_api_latency(api_url: str, seconds: float) -> None:
    base = api_url.removesuffix("/api/")
    SignedClient(base, "unused").get(f"/bench/latency?seconds={seconds}")


def web_api_counts(api_url: str) -> dict[str, int]:
    base = api_url.removesuffix("/api/")
    reply = SignedClient(base, "unused").get("/bench/counts")
    return {k: int(v) for k, v in json.loads(reply.text).items()}


@contextlib.contextmanager
def database(kind: str, workdir: Path) -> Iterator[str]:
    """A database URL: a SQLite file in `workdir`, or a fresh PostgreSQL schema (dropped afterwards)."""
    if kind == "sqlite":
        yield f"sqlite:///{workdir / 'load.db'}"
        return
    import psycopg

    dsn = make_url(POSTGRES_URL).set(drivername="postgresql").render_as_string(hide_password=False)
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = psycopg.connect(dsn, connect_timeout=5, autocommit=True)
    try:
        with admin.cursor() as cursor:
            cursor.execute(f"CREATE SCHEMA {schema}")
        sep = "&" if "?" in POSTGRES_URL else "?"
        yield f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        admin.close()


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve_command() -> list[str]:
    """`outsource-review serve`: the console script beside this interpreter, else `python -m bot`."""
    script = Path(sys.executable).with_name("outsource-review")
    return [str(script), "serve"] if script.exists() else [sys.executable, "-m", "bot", "serve"]


def bot_env(api_url: str, database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL"))}
    env.update(
        SLACK_API_URL=api_url,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        DATABASE_URL=database_url,
        LOG_LEVEL="INFO",
    )
    return env


@dataclass
class Served:
    process: subprocess.Popen[bytes]
    url: str
    log: Path


def start_serve(api_url: str, database_url: str, workdir: Path, name: str, timeout: float = 60) -> Served:
    """`outsource-review serve` on a free loopback port; returns once `/healthz` answers 200."""
    port = free_port()
    log = workdir / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*serve_command(), "--port", str(port)],
            env=bot_env(api_url, database_url),
            cwd=workdir,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    url = f"http://127.0.0.1:{port}"
    wait_healthy(url, process, timeout, log)
    return Served(process, url, log)


def wait_healthy(url: str, process: subprocess.Popen[bytes], timeout: float, log: Path) -> float:
    """Seconds until `GET /healthz` answered 200 (polled every 10 ms)."""
    client = SignedClient(url, SIGNING_SECRET, timeout=2)
    started = time.monotonic()
    while True:
        with contextlib.suppress(OSError):
            if client.get("/healthz").status == 200:
                return time.monotonic() - started
        if process.poll() is not None or time.monotonic() - started > timeout:
            process.kill()
            raise RuntimeError(f"serve did not become healthy:\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.01)


def stop_serve(served: Served) -> None:
    if served.process.poll() is None:
        served.process.terminate()
        try:
            served.process.wait(10)
        except subprocess.TimeoutExpired:
            served.process.kill()
            served.process.wait(10)


def seed_reviews(
    api_url: str, database_url: str, count: int, processes: int = 12, raters: list[str] | None = None
) -> list[tuple[str, str, str]]:
    """`count` reviews at a rating question (with `raters` named, or none), each with its kickoff message
    posted to the fake; (review id, channel, thread_ts) for each."""
    from slack_sdk import WebClient

    template = review_at_prioritise(processes, raters=raters)
    drive(template, ["skip"])  # the first service level: now at the first rating question
    prompt = current_prompt(template)
    assert prompt is not None
    engine = make_engine(database_url)
    try:
        ensure_schema(engine)
        store = SqlReviewStore(engine)
        client = WebClient(token=BOT_TOKEN, base_url=api_url)
        seeded = []
        for i in range(count):
            channel = f"C0LOAD{i:03d}"
            thread_ts = str(client.chat_postMessage(channel=channel, text="Outsource review")["ts"])
            review = store.create(
                replace(
                    template,
                    id=None,
                    title=f"Load review {i}",
                    team_id=p.TEAM_ID,
                    channel_id=channel,
                    thread_ts=thread_ts,
                    posted_question=prompt.key,
                )
            )
            seeded.append((review.id or "", channel, thread_ts))
        return seeded
    finally:
        engine.dispose()


def saved_answers(database_url: str, review_ids: list[str]) -> Counter[tuple[str, str, str]]:
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            rows = session.exec(
                select(AnswerRow.review_id, AnswerRow.author, AnswerRow.text).where(
                    AnswerRow.review_id.in_(review_ids)  # type: ignore[attr-defined]
                )
            ).all()
        return Counter((r, a, t) for r, a, t in rows)
    finally:
        engine.dispose()


# ---------------------------------------------------------------- the run


def send(client: SignedClient, sent: Sent, channel: str, thread_ts: str) -> None:
    delay = sent.due - time.monotonic()
    if delay > 0:
        time.sleep(delay)
    sent.started = time.monotonic()
    try:
        # Ratings are given in the rating form (never typed in the thread, where they are not recorded).
        form = {
            f"{ids.FACTOR_BLOCK_PREFIX}{factor}": {ids.FACTOR_SELECT: p.select_value(value)}
            for factor, value in zip(FACTOR_IDS, sent.text.split(), strict=True)
        }
        metadata = {"r": sent.review, "q": question_token(RATED), "c": channel, "t": thread_ts}
        reply = client.view_submission(
            ids.RATINGS_VIEW, form, user_id=sent.user, private_metadata=json.dumps(metadata)
        )
        sent.status = reply.status
    except OSError as error:
        sent.error = type(error).__name__
    sent.done = time.monotonic()


def run_load(
    *,
    db: str = "sqlite",
    processes: int = 1,
    seconds: float = DEFAULT_SECONDS,
    rate: float = 100.0,
    reviews: int = 50,
    workers: int = 64,
    seed: int = 1,
    workdir: Path | None = None,
    api_latency: float = 0.0,
    named_raters: bool = False,
) -> LoadResult:
    result = LoadResult(
        database=db, processes=processes, seconds=seconds, rate=rate, reviews=reviews, api_latency=api_latency
    )
    rng = random.Random(seed)
    with contextlib.ExitStack() as stack:
        work = workdir or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-load-")))
        api_url, fake_pid = stack.enter_context(fake_slack_process())
        database_url = stack.enter_context(database(db, work))
        raters = [*PEOPLE, AWAY] if named_raters else None
        seeded = seed_reviews(api_url, database_url, reviews, raters=raters)
        set_api_latency(api_url, api_latency)  # after seeding: its kickoff posts are not what is measured
        bots = [start_serve(api_url, database_url, work, f"serve{i}") for i in range(processes)]
        for bot in bots:
            stack.callback(stop_serve, bot)
        clients = [SignedClient(bot.url, SIGNING_SECRET, timeout=30) for bot in bots]
        total = int(seconds * rate)
        sends: list[Sent] = []
        # A short warm-up (every process's first requests load what they load lazily), then the run.
        warmup = [
            Sent(seeded[i % reviews][0], PEOPLE[i % len(PEOPLE)], _ratings(rng), 0.0)
            for i in range(2 * reviews)
        ]
        for i, sent in enumerate(warmup):
            _, channel, thread_ts = seeded[i % reviews]
            sent.due = time.monotonic()
            send(clients[i % processes], sent, channel, thread_ts)
        start = time.monotonic() + 0.5
        cpu_before = [cpu_seconds(b.process.pid) for b in bots], cpu_seconds(fake_pid)
        with disk_probe(work) as flushes, ThreadPoolExecutor(workers, thread_name_prefix="load") as pool:
            for i in range(total):
                review_id, channel, thread_ts = seeded[i % reviews]
                sent = Sent(review_id, PEOPLE[(i // reviews) % len(PEOPLE)], _ratings(rng), start + i / rate)
                sends.append(sent)
                pause = sent.due - time.monotonic() - 0.05
                if pause > 0:
                    time.sleep(pause)  # submit shortly before it is due; the worker waits out the rest
                pool.submit(send, clients[i % processes], sent, channel, thread_ts)
        finished = max((s.done for s in sends), default=start)
        bot_cpu = sum(cpu_seconds(b.process.pid) for b in bots) - sum(cpu_before[0])
        fake_cpu = cpu_seconds(fake_pid) - cpu_before[1]
        result.bot_cpu_ms = bot_cpu / max(len(sends), 1) * 1000
        result.fake_cpu_ms = fake_cpu / max(len(sends), 1) * 1000
        result.web_api = web_api_counts(api_url)
        saved = saved_answers(database_url, [r for r, _, _ in seeded])
        for bot in bots:
            stop_serve(bot)
        errors = Counter(
            bot_line.split("error=")[1].split()[0]
            for bot in bots
            for bot_line in bot.log.read_text(errors="replace").splitlines()
            if "slack call failed" in bot_line and "error=" in bot_line
        )
        result.errors = dict(errors)
    expected: Counter[tuple[str, str, str]] = Counter()
    for s in [*warmup, *sends]:
        if s.status == 200:
            expected[(s.review, s.user, s.text)] += 1
    result.sent = len(sends)
    result.acknowledged = sum(1 for s in sends if s.status == 200)
    result.failed = len(sends) - result.acknowledged
    result.lost = sum((expected - saved).values())
    result.unexpected = sum((saved - expected).values())
    latencies = [s.done - s.due for s in sends if s.status == 200]
    service = [s.done - s.started for s in sends if s.status == 200]
    result.p50_ms = percentile(latencies, 50) * 1000
    result.p90_ms = percentile(latencies, 90) * 1000
    result.p99_ms = percentile(latencies, 99) * 1000
    result.max_ms = max(latencies, default=float("nan")) * 1000
    result.service_p99_ms = percentile(service, 99) * 1000
    result.achieved_rate = len(sends) / max(finished - start, 1e-9)
    result.fsync_p99_ms = percentile(flushes, 99) * 1000
    result.fsync_max_ms = max(flushes, default=float("nan")) * 1000
    result.fsync_stalls = sum(1 for f in flushes if f * 1000 > FSYNC_STALL_MS)
    return result


def _ratings(rng: random.Random) -> str:
    return " ".join(str(rng.randint(1, 5)) for _ in range(6))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=DEFAULT_SECONDS)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--reviews", type=int, default=50)
    parser.add_argument("--api-latency", type=float, default=0.0, help="seconds each fake Web API call takes")
    parser.add_argument("--named-raters", action="store_true", help="the people rating are the named raters")
    args = parser.parse_args(argv)
    result = run_load(
        db=args.db,
        processes=args.processes,
        seconds=args.seconds,
        rate=args.rate,
        reviews=args.reviews,
        api_latency=args.api_latency,
        named_raters=args.named_raters,
    )
    print(json.dumps({**result.__dict__, "met": result.met}, indent=2))
    return 0 if result.met else 1


def load_in_a_process(
    db: str,
    processes: int,
    seconds: float = DEFAULT_SECONDS,
    api_latency: float = 0.0,
    named_raters: bool = False,
) -> LoadResult:
    """The load generator in a process of its own, as from the command line: inside pytest's process it
    shares that process's heap and garbage collector, whose pauses delayed requests it then counted."""
    command = [sys.executable, "-m", "tests.benchmarks.load", "--db", db, "--processes", str(processes)]
    command += ["--seconds", str(seconds), "--api-latency", str(api_latency)]
    command += ["--named-raters"] if named_raters else []
    # A session of its own, so that a run that times out is stopped with the fake and the `serve` processes it
    # started (killing the generator alone left a `serve` behind, sending its outbox to nobody for an hour).
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO, start_new_session=True
    ) as run:
        try:
            stdout, stderr = run.communicate(timeout=seconds * 5 + 120)
        except subprocess.TimeoutExpired:
            os.killpg(run.pid, signal.SIGKILL)
            run.communicate()
            raise
    if run.returncode not in (0, 1):  # 1: ran, target missed
        raise RuntimeError(f"the load run failed ({run.returncode}):\n{stderr[-3000:]}")
    figures = json.loads(stdout)
    figures.pop("met")
    return LoadResult(**figures)


def postgres_answers() -> str | None:
    """None when the PostgreSQL server answers; otherwise the first line of why not."""
    try:
        dsn = make_url(POSTGRES_URL).set(drivername="postgresql").render_as_string(hide_password=False)
        psycopg.connect(dsn, connect_timeout=3).close()
    except psycopg.OperationalError as error:
        return str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
    return None


if __name__ == "__main__":
    sys.exit(main())
