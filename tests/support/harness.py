"""What the benchmarks share: reviews of any size, the app in-process, signed requests, counters, the floor.

Nothing here starts a server of its own except `FakeSlack` (a thread); `bench_bot` in `load.py` starts real
`outsource-review serve` processes.
"""

from __future__ import annotations

import io
import json
import random
import statistics
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from sqlalchemy import Engine, event

from bot.config import Settings
from bot.slack import ids
from bot.slack.app import create_app
from bot.slack.blocks.modals import view_metadata
from bot.slack.delivery import Delivery, start_delivery
from bot.slack.run import build_wsgi
from flows.interview import (
    K_CANDIDATES,
    K_METRICS,
    K_RATE,
    K_SERVICE_LEVEL,
    apply_reply,
    current_prompt,
    in_play,
    move,
)
from flows.method import FACTOR_IDS, Stage
from flows.model import Review
from flows.service import ReviewService
from tests.support import FakeSlack
from tests.support import payloads as p
from tests.support.conversation import is_rating
from tests.support.signed import signed_headers

SIGNING_SECRET = "bench-signing-secret"
BOT_TOKEN = "xoxb-bench-token"
FACILITATOR = p.USER_ID
RATING = "2 4 2 3 5 2"  # six ratings in the shown factor order
KNOCKOUT_QUESTIONS = 12


# ---------------------------------------------------------------- reviews of any size


def process_names(n: int, seed: int = 7) -> list[str]:
    """`n` process names unlike each other (no merge suggestions), about 20 characters each."""
    rng = random.Random(seed)
    words = ["audit", "ads", "posts", "video", "email", "events", "design", "copy", "data", "support"]
    names: list[str] = []
    while len(names) < n:
        name = f"{rng.choice(words).title()} {rng.getrandbits(40):010x} {rng.getrandbits(24):06x}"
        if name not in names:
            names.append(name)
    return names


def drive(review: Review, replies: Iterable[str], author: str = FACILITATOR) -> None:
    for text in replies:
        outcome = apply_reply(review, author, text, is_facilitator=author == review.facilitator)
        if outcome.error or not outcome.changed:
            raise AssertionError(f"reply {text[:40]!r} failed: {outcome.error or 'nothing changed'}")


def review_at_prioritise(n: int, *, raters: list[str] | None = None, title: str = "Bench review") -> Review:
    """An in-memory review of `n` processes, all candidates, none knocked out, equal weights: at the first
    service-level question of step 6."""
    review = Review(title=title, facilitator=FACILITATOR, raters=list(raters or []))
    names = process_names(n)
    drive(review, ["skip", "\n".join(names), "done", "all", *["none"] * KNOCKOUT_QUESTIONS, "ok"])
    prompt = current_prompt(review)
    assert review.state is Stage.PRIORITISE and prompt is not None, (review.state, prompt)
    assert prompt.key == K_SERVICE_LEVEL + names[0], prompt.key
    return review


def review_at_rating(n: int) -> Review:
    """A review of `n` processes at the rating question of its first process; its facilitator is its one
    rater, so a rating closes the round and the interview moves on to the next process."""
    review = review_at_prioritise(n, raters=[FACILITATOR])
    drive(review, ["skip"])  # the service level
    prompt = current_prompt(review)
    assert prompt is not None and prompt.key.startswith(K_RATE), prompt
    return review


def review_at_candidates(n: int) -> Review:
    """A review of `n` processes at step 2 (which could be outsourced at all), the list of `n` options."""
    review = Review(title="Bench review", facilitator=FACILITATOR)
    drive(review, ["skip", "\n".join(process_names(n)), "done"])
    prompt = current_prompt(review)
    assert prompt is not None and prompt.key == K_CANDIDATES and len(prompt.options) == n, prompt
    return review


def ratings_of(raters: list[str], seed: int) -> dict[str, dict[str, int]]:
    rng = random.Random(seed)
    return {rater: {f: rng.randint(1, 5) for f in FACTOR_IDS} for rater in raters}


def rated_review(n: int, raters: int | list[str] = 10) -> Review:
    """A review of `n` processes, each rated by `raters` people (a number, or their ids), at its first
    metrics question (step 7). Built straight from answers: replies would take minutes at 1,000 processes."""
    people = [f"U{i:07d}" for i in range(raters)] if isinstance(raters, int) else list(raters)
    review = review_at_prioritise(n, raters=people)
    answers = dict(review.answers)
    for i, process in enumerate(in_play(review, Stage.PRIORITISE)):
        answers[K_SERVICE_LEVEL + process] = "monthly, 5 working days" if i % 3 == 0 else None
        answers[K_RATE + process] = ratings_of(people, seed=i)
    review.answers = answers
    review.answered = [*review.answered, *(k for k in answers if k not in review.answered)]
    move(review, "done")
    prompt = current_prompt(review)
    assert review.state is Stage.METRICS and prompt is not None and prompt.key.startswith(K_METRICS)
    return review


def finished_review(n: int, raters: int = 10, metrics: int = 1) -> Review:
    """`rated_review` with `metrics` metrics on each shortlisted process: finished, at its report."""
    review = rated_review(n, raters)
    answers = dict(review.answers)
    for process in in_play(review, Stage.PRIORITISE):
        answers[K_METRICS + process] = [
            {"name": f"metric {m} of {process[:10]}", "baseline": 100.0, "target": 120.0, "warn_at": 90.0}
            for m in range(metrics)
        ]
    review.answers = answers
    review.answered = [*review.answered, *(k for k in answers if k not in review.answered)]
    move(review, "done")
    assert review.state is Stage.DONE, review.state
    return review


# ---------------------------------------------------------------- counting SQL statements


@dataclass
class SqlCounter:
    """Counts (and keeps) the SQL statements an engine executes in the thread that turned `counting` on, and
    its connection checkouts (on PostgreSQL each costs a `SELECT 1` round trip too: the engine pings before
    use, outside the execution events). The delivery threads' statements are not the request's."""

    statements: list[str] = field(default_factory=list)
    checkouts: int = 0
    on: bool = False
    thread: int | None = None

    def attach(self, engine: Engine) -> SqlCounter:
        event.listen(engine, "before_cursor_execute", self._seen)
        event.listen(engine.pool, "checkout", self._checkout)
        return self

    def _seen(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if self.on and threading.get_ident() == self.thread:
            self.statements.append(" ".join(statement.split())[:120])

    def _checkout(self, *args: Any) -> None:
        if self.on and threading.get_ident() == self.thread:
            self.checkouts += 1

    @contextmanager
    def counting(self) -> Iterator[list[str]]:
        self.statements = []
        self.checkouts = 0
        self.on, self.thread = True, threading.get_ident()
        try:
            yield self.statements
        finally:
            self.on = False


# ---------------------------------------------------------------- signed requests, dispatched in-process


def wsgi_environ(
    body: bytes, headers: dict[str, str], content_type: str = "application/json"
) -> dict[str, Any]:
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/slack/events",
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "3000",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "CONTENT_TYPE": content_type,
        "CONTENT_LENGTH": str(len(body)),
    }
    for name, value in headers.items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    return environ


def signed_event(event: dict[str, Any], team: str = p.TEAM_ID) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(p.event_callback(event, team_id=team)).encode()
    return body, signed_headers(SIGNING_SECRET, body)


def signed_rating_form(review: Review, text: str, user: str = FACILITATOR) -> tuple[bytes, dict[str, str]]:
    """The rating form of `review`'s open question submitted with the six ratings `text` (ratings are given
    in the form or a direct message, never typed in the thread), as Slack posts it: form-encoded."""
    prompt = current_prompt(review)
    assert prompt is not None and review.channel_id
    values = {
        f"{ids.FACTOR_BLOCK_PREFIX}{factor}": {ids.FACTOR_SELECT: p.select_value(value)}
        for factor, value in zip(FACTOR_IDS, text.split(), strict=True)
    }
    metadata = view_metadata(review, prompt, review.channel_id, review.thread_ts)
    payload = p.view_submission(ids.RATINGS_VIEW, values, private_metadata=metadata, user_id=user)
    body = urlencode({"payload": json.dumps(payload)}).encode()
    return body, signed_headers(SIGNING_SECRET, body)


FORM = "application/x-www-form-urlencoded"


def call_wsgi(
    app: Callable[..., Iterable[bytes]],
    body: bytes,
    headers: dict[str, str],
    content_type: str = "application/json",
) -> tuple[int, bytes]:
    status: list[str] = []

    def start_response(line: str, _headers: Any, *_rest: Any) -> None:
        status.append(line)

    out = b"".join(app(wsgi_environ(body, headers, content_type), start_response))
    return int(status[0].split()[0]), out


def thread_reply(text: str, channel: str, thread_ts: str, user: str = FACILITATOR) -> dict[str, Any]:
    return p.message_event(text, user=user, channel=channel, thread_ts=thread_ts)


# ---------------------------------------------------------------- ours, in-process


@dataclass
class Ours:
    """The real app (`create_app` + `build_wsgi`) on a SQLite file, against `fake`, with its delivery threads.

    `wsgi` answers each request and then, with `settle`, waits until what it wrote to the outbox is delivered
    (tests read the fake's calls afterwards); `answer_only` is the app alone, as Slack's HTTP request sees it.
    """

    fake: FakeSlack
    service: ReviewService
    wsgi: Callable[..., Iterable[bytes]]
    counter: SqlCounter
    engine: Engine
    delivery: Delivery
    answer_only: Callable[..., Iterable[bytes]]

    @classmethod
    def start(
        cls, fake: FakeSlack, database_url: str, count_sql: bool = True, settle: bool = True, pace: float = 0
    ) -> Ours:
        """`count_sql`: attach the SQL counter (figure 2). Off where the app is timed: its listeners run on
        every statement and connection, which the app in production does not carry. `pace`: OUTBOX_PACE
        (seconds between posts in a channel; 0: none, 1: the default of `serve`)."""
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            slack_bot_token=BOT_TOKEN,
            slack_signing_secret=SIGNING_SECRET,
            slack_api_url=fake.api_url,
            database_url=database_url,
            outbox_pace=pace,
            outbox_lease=2,
        )
        from bot.wiring import open_service

        service = open_service(database_url)
        engine = service.store.engine  # type: ignore[attr-defined]
        counter = SqlCounter()
        if count_sql:
            counter.attach(engine)
        delivery = start_delivery(settings, service)
        app = build_wsgi(create_app(settings, service, wake=delivery.wake), SIGNING_SECRET)
        wsgi = _settled(app, delivery) if settle else app
        return cls(fake, service, wsgi, counter, engine, delivery, app)

    def stop(self) -> None:
        self.delivery.stop(2.0)

    def seat(self, template: Review, channel: str) -> Review:
        """A copy of `template` saved as a new review in `channel`, its kickoff and open question posted
        (as the slash command leaves a review), so a reply in its thread is the next answer."""
        client = self.fake.client(BOT_TOKEN)
        kickoff = client.chat_postMessage(channel=channel, text="Outsource review")
        thread_ts = str(kickoff["ts"])
        prompt = current_prompt(template)
        review = replace(
            template,
            id=None,
            version=0,
            channel_id=channel,
            thread_ts=thread_ts,
            team_id=p.TEAM_ID,
            posted_question=prompt.edition if prompt else None,
        )
        return self.service.store.create(review)

    def answer(self, review: Review, text: str = RATING, user: str = FACILITATOR, settle: bool = True) -> int:
        """A reply in the review's thread, or six ratings in the rating form (where ratings are given: never
        in the thread); `settle`: wait until what it wrote to the outbox is delivered."""
        assert review.channel_id and review.thread_ts
        app = self.wsgi if settle else self.answer_only
        if is_rating(text):
            status, _ = call_wsgi(app, *signed_rating_form(review, text, user), FORM)
            return status
        body, headers = signed_event(thread_reply(text, review.channel_id, review.thread_ts, user))
        status, _ = call_wsgi(app, body, headers)
        return status


def _settled(app: Callable[..., Iterable[bytes]], delivery: Delivery) -> Callable[..., Iterable[bytes]]:
    """`app`, answering each request whole, then waiting until the outbox is delivered."""

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        body = b"".join(app(environ, start_response))
        delivery.drain(10)
        return [body]

    return wsgi


# ---------------------------------------------------------------- the floor: a bare Bolt app


FLOOR_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS answer (id INTEGER PRIMARY KEY, channel TEXT, ts TEXT, user TEXT, text TEXT)"
)


class Floor:
    """The least an answer needs, on Bolt: the signature verified, one SQLite insert and commit, one
    chat.postMessage. Same Bolt, same WSGI adapter, same WebClient, same fake and the same
    `process_before_response=True` as ours, so the HTTP answer comes after the post."""

    def __init__(self, fake: FakeSlack, database_path: str) -> None:
        import sqlite3

        self.db = sqlite3.connect(database_path, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode = WAL")
        self.db.execute(FLOOR_SCHEMA)
        self.db.commit()
        self.lock = threading.Lock()
        client = WebClient(token=BOT_TOKEN, base_url=fake.api_url)
        app = App(signing_secret=SIGNING_SECRET, client=client, process_before_response=True)

        @app.event("message")
        def answer(event: dict[str, Any], client: WebClient) -> None:
            with self.lock:
                self.db.execute(
                    "INSERT INTO answer (channel, ts, user, text) VALUES (?, ?, ?, ?)",
                    (event["channel"], event["ts"], event["user"], event["text"]),
                )
                self.db.commit()
            client.chat_postMessage(
                channel=event["channel"], thread_ts=event["thread_ts"], text="Next question"
            )

        self.wsgi = SlackRequestHandler(app)

    def answer(self, channel: str, thread_ts: str, text: str = RATING) -> int:
        body, headers = signed_event(thread_reply(text, channel, thread_ts))
        status, _ = call_wsgi(self.wsgi, body, headers)
        return status

    def count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM answer").fetchone()[0])


# ---------------------------------------------------------------- figures


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    k = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


# ---------------------------------------------------------------- a WSGI app over HTTP, in this process


@contextmanager
def waitress_server(app: Callable[..., Iterable[bytes]], threads: int = 8) -> Iterator[str]:
    """`app` behind waitress on a free loopback port, as `outsource-review serve` runs it; yields its URL."""
    from waitress.server import create_server

    server: Any = create_server(app, host="127.0.0.1", port=0, threads=threads, ident="bench")
    runner = threading.Thread(target=server.run, name="bench-waitress", daemon=True)
    runner.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.close()
        server.task_dispatcher.shutdown()
        runner.join(timeout=5)
