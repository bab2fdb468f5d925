"""Two `outsource-review serve` processes on one PostgreSQL database, requests spread over both like a load
balancer would: 20 reviews answered at once to the end, every answer saved exactly once, every report right.

Runs on the PostgreSQL server at 127.0.0.1:5432 (database `test`, or STORAGE_TEST_POSTGRES) in a schema of its
own, created and dropped here; skipped, saying why, when no server answers.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import yaml

from flows.answers import load_answers
from flows.decision import decide
from flows.interview import current_prompt, review_input
from flows.method import FACTOR_IDS, Stage
from flows.render import to_json_dict
from storage.db import make_engine
from storage.repository import SqlReviewStore
from tests.support import FakeSlack
from tests.support import payloads as p
from tests.support.bots import Bot, start_bot, stop_bot, wait_delivered
from tests.support.chat import ALICE, BOB
from tests.support.conversation import dm_of, is_rating
from tests.support.postgres import postgres_available, postgres_url  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

REVIEWS = 20
PROCESSES = ["Blog writing", "SEO audits", "Paid search ads", "Newsletter"]
KEYS = ("processes", "merged", "excluded", "shortlist", "weights", "directions")


def ratings(i: int, k: int) -> dict[str, str]:
    """Two raters' six ratings of the k-th remaining process in review i: different in every review."""
    return {
        ALICE: f"{1 + (i + k) % 5} 4 2 3 {1 + (i * k) % 5} 2",
        BOB: f"2 {1 + (i + 2 * k) % 5} 2 3 5 {1 + k % 5}",
    }


def remaining(i: int) -> list[str]:
    return [name for name in PROCESSES if not (i % 2 and name == "Paid search ads")]


def replies(i: int) -> list[tuple[str, str]]:
    """(author, text) of review i's thread replies, first to last."""
    said: list[tuple[str, str]] = [
        (ALICE, "skip"),
        (ALICE, "\n".join(PROCESSES)),
        (ALICE, "done"),
        (ALICE, "all"),
    ]
    said += [(ALICE, "3" if i % 2 else "none")] + [(ALICE, "none")] * 11  # steps 3 to 5
    said += [(ALICE, "risk 2" if i % 3 == 0 else "ok")]
    for k, _ in enumerate(remaining(i)):
        said += [(ALICE, "skip"), *ratings(i, k).items(), (ALICE, "done")]
    said += [(ALICE, "done")] * len(remaining(i))  # no metrics
    return said


def answers_file(i: int) -> str:
    data: dict[str, Any] = {"title": f"Review {i}", "processes": PROCESSES}
    if i % 2:
        data["keep_inhouse"] = {"Paid search ads": ["competitive_advantage"]}
    if i % 3 == 0:
        data["weights"] = {"risk": 2}
    data["ratings"] = {
        name: {
            rater: dict(zip(FACTOR_IDS, map(int, values.split()), strict=True))
            for rater, values in ratings(i, k).items()
        }
        for k, name in enumerate(remaining(i))
    }
    return yaml.safe_dump(data)


@pytest.fixture
def two_bots(postgres_url: str, tmp_path: Path) -> Iterator[tuple[FakeSlack, list[Bot], str]]:  # noqa: F811
    with FakeSlack() as fake:
        bots: list[Bot] = []
        try:
            for name in ("a", "b"):
                bots.append(start_bot(fake, tmp_path, postgres_url, name))
            yield fake, bots, postgres_url
        finally:
            for bot in bots:
                stop_bot(bot)


def run_review(i: int, fake: FakeSlack, bots: list[Bot], store: SqlReviewStore) -> str:
    """Start review i through one process and answer it to the end, each reply to the other process than the
    one before; every third reply is delivered again (a Slack retry) to the other process too."""
    channel = f"C0PG{i:04d}"
    alternate = itertools.cycle(bots if i % 2 else bots[::-1])
    reply = next(alternate).slack.slash_command(f"Review {i}", channel_id=channel, user_id=ALICE)
    assert reply.status == 200, reply
    thread = next(
        str(c["thread_ts"])
        for c in fake.calls("chat.postMessage")
        if c["channel"] == channel and c.get("thread_ts")
    )
    for n, (author, text) in enumerate(replies(i)):
        # Ratings go to the bot in a direct message; the rest in the thread.
        where = {"channel": dm_of(author), "channel_type": "im"} if is_rating(text) else {"channel": channel}
        callback = p.event_callback(
            p.message_event(text, user=author, thread_ts=None if is_rating(text) else thread, **where),
            event_id=f"Ev{i:03d}R{n:03d}",
        )
        bot = next(alternate)
        mark = fake.mark()
        assert bot.slack.event(callback).status == 200, (i, n, text)
        if n % 3 == 0:
            other = bots[1] if bot is bots[0] else bots[0]
            assert other.slack.event(callback, retry_num=1, retry_reason="http_timeout").status == 200
        review = store.find_by_thread(p.TEAM_ID, channel, thread)
        prompt = current_prompt(review) if review is not None else None
        if is_rating(text) and prompt is not None and author not in prompt.collected:
            choose_review(fake, next(alternate), mark, author, text, f"Review {i}")
    return thread


def choose_review(fake: FakeSlack, bot: Bot, mark: int, author: str, text: str, title: str) -> None:
    """The bot asked which open rating question the ratings are for (other reviews are at theirs): click the
    button of `title`'s."""
    for call in fake.calls("chat.postMessage"):
        if call.seq <= mark or call["channel"] != dm_of(author):
            continue
        for block in call.blocks:
            for button in block.get("elements", []) if block.get("type") == "actions" else []:
                if f"({title})" in button["text"]["text"] and json.loads(button["value"])["v"] == text:
                    action = p.button(button["action_id"], button["value"])
                    reply = bot.slack.block_actions([action], user_id=author, channel_id=dm_of(author))
                    assert reply.status == 200, reply
                    return
    raise AssertionError(f"{author}'s ratings for {title} were neither recorded nor asked about")


def test_twenty_reviews_over_two_processes_on_postgresql(two_bots: tuple[FakeSlack, list[Bot], str]) -> None:
    fake, bots, url = two_bots
    with ThreadPoolExecutor(max_workers=REVIEWS) as pool:
        store = SqlReviewStore(make_engine(url))
        threads = list(pool.map(lambda i: run_review(i, fake, bots, store), range(REVIEWS)))

    for i, thread in enumerate(threads):
        review = store.find_by_thread(p.TEAM_ID, f"C0PG{i:04d}", thread)
        assert review is not None and review.state is Stage.DONE, i
        history = store.history(review.id or "")
        assert [(r.author, r.text) for r in history] == replies(i), f"review {i}: every answer exactly once"
        expected = to_json_dict(decide(load_answers(answers_file(i), f"review-{i}.yml")))
        got = to_json_dict(decide(review_input(review)))
        for key in KEYS:
            assert got[key] == expected[key], (i, key)
        # The shortlist went to the review's channel, once, ranked as expected.
        posted = [
            c
            for c in fake.calls("chat.postMessage")
            if c["channel"] == f"C0PG{i:04d}" and not c.get("thread_ts") and c.text.startswith("Shortlist:")
        ]
        assert len(posted) == 1, i
        first = expected["shortlist"][0]["process"]
        assert f"{first} (rank 1)" in posted[0].all_text(), i
    # Both processes served: each wrote request lines.
    assert all("request team=" in bot.output() for bot in bots)


def test_replies_typed_at_once_on_two_processes_answer_one_question(
    two_bots: tuple[FakeSlack, list[Bot], str],
) -> None:
    """Alice's and Bob's `none`, typed at the same moment, reach two processes one after the other: Bob's was
    typed before the next question was posted, so it does not answer it."""
    fake, bots, url = two_bots
    channel = "C0PGLATE"
    assert bots[0].slack.slash_command("At once", channel_id=channel, user_id=ALICE).status == 200
    thread = next(
        str(c["thread_ts"])
        for c in fake.calls("chat.postMessage")
        if c["channel"] == channel and c.get("thread_ts")
    )
    for author, text in replies(0)[:4]:
        event = p.message_event(text, user=author, channel=channel, thread_ts=thread)
        assert bots[0].slack.event(event).status == 200
    typed = [p.new_ts(), p.new_ts()]
    for bot, author, ts in ((bots[0], ALICE, typed[0]), (bots[1], BOB, typed[1])):
        event = p.message_event("none", user=author, channel=channel, thread_ts=thread, ts=ts)
        assert bot.slack.event(event).status == 200

    store = SqlReviewStore(make_engine(url))
    review = store.find_by_thread(p.TEAM_ID, channel, thread)
    assert review is not None
    history = [(r.author, r.question, r.value) for r in store.history(review.id or "")][-2:]
    first = history[0][1]
    assert history == [(ALICE, first, {"picked": [], "asked": PROCESSES}), (BOB, first, {"late": True})]
    assert len([k for k in review.answers if k.startswith(first.split(":")[0])]) == 1


def test_the_same_event_at_the_same_moment_on_two_processes_is_answered_and_posted_once(
    two_bots: tuple[FakeSlack, list[Bot], str],
) -> None:
    """Slack's retry (or a second delivery) of one event reaching both processes at once, round after round:
    each time one answer is saved and the next question is posted once, by whichever process saved it."""
    fake, bots, url = two_bots
    channel = "C0PGSAME"
    assert bots[0].slack.slash_command("Same event", channel_id=channel, user_id=ALICE).status == 200
    thread = next(
        str(c["thread_ts"])
        for c in fake.calls("chat.postMessage")
        if c["channel"] == channel and c.get("thread_ts")
    )
    said = replies(0)[:8]
    gate = threading.Barrier(2)

    def send(bot: Bot, callback: dict[str, Any], retry: int) -> int:
        gate.wait(timeout=10)
        extra = {"retry_num": retry, "retry_reason": "http_timeout"} if retry else {}
        return bot.slack.event(callback, **extra).status

    with ThreadPoolExecutor(max_workers=2) as pool:
        for n, (author, text) in enumerate(said):
            callback = p.event_callback(
                p.message_event(text, user=author, channel=channel, thread_ts=thread),
                event_id=f"Ev0SAME{n:03d}",
            )
            statuses = list(pool.map(send, bots, [callback, callback], [0, 1]))
            assert statuses == [200, 200], (n, text)

    store = SqlReviewStore(make_engine(url))
    review = store.find_by_thread(p.TEAM_ID, channel, thread)
    assert review is not None
    assert [(r.author, r.text) for r in store.history(review.id or "")] == said  # each answer once

    def questions() -> list[Any]:
        return [
            c for c in fake.calls("chat.postMessage") if c.ok and c.get("thread_ts") == thread and c.blocks
        ]

    for bot in bots:
        wait_delivered(bot.slack)
    posted = questions()
    keys = [c.json_arg("metadata")["event_payload"]["key"] for c in posted]
    assert len(keys) == len(set(keys)), keys  # no outbox row posted twice
    firsts = [c.all_text().split("\n")[0] for c in posted]
    assert len(firsts) == len(set(firsts)), firsts  # no question asked twice
    assert len(posted) > 1  # the answers moved the review on, and their questions were posted
