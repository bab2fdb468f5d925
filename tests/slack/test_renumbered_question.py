"""A merge typed in the thread while a numbered question is open, through the real Bolt app.

Signed requests are dispatched in-process into `create_app` (as the benchmarks do), against the fake Web API;
the app answers only after its Web API calls (`process_before_response`), so nothing here waits for quiet.
The thread must show the renumbered question and what was merged, and a pick made on the old message must
not be read with the new numbers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from flows.interview import K_CANDIDATES, picked
from flows.model import Review
from tests.support import FakeSlack
from tests.support import payloads as p
from tests.support.fake_slack import Call
from tests.support.harness import SIGNING_SECRET, Ours, drive, wsgi_environ
from tests.support.signed import signed_headers

SEVEN = ["SEO audits", "Newsletter", "Paid search ads", "Blog writing", "Podcast", "Trade fairs", "Webinars"]
CHANNEL = "C0RENUMBR"


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Ours]:
    with FakeSlack() as fake:
        app = Ours.start(fake, f"sqlite:///{tmp_path / 'bot.db'}", count_sql=False)
        yield app
        app.stop()


def seated_at_candidates(app: Ours) -> tuple[Review, Call]:
    """A review in a thread at step 2, its numbered question posted there by the bot; that post."""
    template = Review(title="Q3 review", facilitator=p.USER_ID)
    drive(template, ["skip", "\n".join(SEVEN), "done"])
    review = app.seat(template, CHANNEL)
    app.service.store.mark_posted(review, None)  # the bot posts the question at the next interaction
    assert app.answer(review, "help", p.USER_ID) == 200
    return review, last_question(app)


def last_question(app: Ours) -> Call:
    posts = [c for c in app.fake.calls("chat.postMessage") if c.get("thread_ts") and c.blocks]
    assert posts, "no question was posted"
    return posts[-1]


def options_shown(call: Call) -> list[str]:
    lines = [line for line in call.all_text().splitlines() if re.match(r"\d+\. ", line)]
    return list(dict.fromkeys(lines))  # in the message's text and in its menu


def block_action(app: Ours, review: Review, action: dict[str, Any]) -> int:
    payload = p.block_actions([action], channel_id=CHANNEL, message_ts=review.thread_ts)
    body = urlencode({"payload": json.dumps(payload)}).encode()
    environ = wsgi_environ(body, signed_headers(SIGNING_SECRET, body))
    environ["CONTENT_TYPE"] = "application/x-www-form-urlencoded"
    status: list[str] = []
    b"".join(app.wsgi(environ, lambda line, *_: status.append(line)))
    return int(status[0].split()[0])


def choose(app: Ours, review: Review, question: Call, numbers: list[int]) -> int:
    """Pick options (1-based) in the multi-select of the question message `question`."""
    for block in question.blocks:
        for element in block.get("elements", []):
            if element.get("type") == "multi_static_select":
                action = p.multi_static_select(
                    element["action_id"], [str(n) for n in numbers], block_id=block["block_id"]
                )
                return block_action(app, review, action)
    raise AssertionError("no multi-select in the question")


def saved(app: Ours, review: Review) -> Review:
    found = app.service.store.get(review.id or "")
    assert found is not None
    return found


def test_a_merge_posts_the_question_again_with_its_new_numbers_and_says_what_was_merged(app: Ours) -> None:
    review, first = seated_at_candidates(app)
    assert options_shown(first)[:3] == ["1. SEO audits", "2. Newsletter", "3. Paid search ads"]
    assert app.answer(review, "merge Newsletter into SEO audits", p.USER_ID) == 200
    again = last_question(app)
    assert again.seq > first.seq, "the renumbered question was not posted"
    assert "Merged “Newsletter” into “SEO audits”" in again.all_text()
    assert options_shown(again) == [
        "1. SEO audits",
        "2. Paid search ads",
        "3. Blog writing",
        "4. Podcast",
        "5. Trade fairs",
        "6. Webinars",
    ]
    # Typed under the new post, `3 4` means what that post shows.
    assert app.answer(review, "3 4", p.USER_ID) == 200
    assert picked(saved(app, review).answers[K_CANDIDATES]) == ["Blog writing", "Podcast"]


def test_a_pick_on_the_old_message_is_refused_not_read_with_the_new_numbers(app: Ours) -> None:
    review, first = seated_at_candidates(app)
    assert app.answer(review, "merge Newsletter into SEO audits", p.USER_ID) == 200
    mark = app.fake.mark()
    # On the old message 3 and 4 are Paid search ads and Blog writing; now they are Blog writing and Podcast.
    assert choose(app, review, first, [3, 4]) == 200
    assert K_CANDIDATES not in saved(app, review).answers
    told = [c for c in app.fake.calls("chat.postEphemeral") if c.seq > mark]
    assert told and "renumbered" in told[-1].text
    # The new message's menu works.
    assert choose(app, review, last_question(app), [2, 3]) == 200
    assert picked(saved(app, review).answers[K_CANDIDATES]) == ["Paid search ads", "Blog writing"]


def test_merge_typed_while_listing_is_a_merge_not_a_process(app: Ours) -> None:
    template = Review(title="Q3 review", facilitator=p.USER_ID)
    drive(template, ["skip"])
    review = app.seat(template, CHANNEL)
    assert app.answer(review, "Blog writing\nWriting blog posts\nSEO audits", p.USER_ID) == 200
    assert app.answer(review, "merge Writing blog posts into Blog writing", p.USER_ID) == 200
    assert (
        "Merged “Writing blog posts” into “Blog writing”" in app.fake.calls("chat.postMessage")[-1].all_text()
    )
    assert app.answer(review, "done", p.USER_ID) == 200
    question = last_question(app)
    assert options_shown(question) == ["1. Blog writing", "2. SEO audits"]


def test_a_command_word_at_a_free_text_question_is_not_stored(app: Ours) -> None:
    template = Review(title="", facilitator=p.USER_ID)
    review = app.seat(template, CHANNEL)  # asks for the title: a free-text question
    mark = app.fake.mark()
    assert app.answer(review, "weights are fine", p.USER_ID) == 200
    assert saved(app, review).title == "" and not saved(app, review).answers
    told = [c for c in app.fake.calls("chat.postEphemeral") if c.seq > mark]
    assert told and "quotes" in told[-1].text
    assert app.answer(review, '"weights are fine"', p.USER_ID) == 200
    assert saved(app, review).title == "weights are fine"
