"""People answering at the same moment: every answer is kept, and the review moves on exactly once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from flows.interview import K_ORGANISATION
from tests.support import FakeSlack, Reply
from tests.support import payloads as p
from tests.support.bots import Bot
from tests.support.chat import ALICE, BOB, CAROL, Chat, button, last_question
from tests.support.conversation import ephemerals

RATING = "2 4 2 3 5 2"
KNOCKOUTS = 12


def at_once(*requests: Callable[[], Reply]) -> list[Reply]:
    """Send the requests from parallel threads, released together."""
    start = threading.Barrier(len(requests))
    replies: list[Any] = [None] * len(requests)

    def run(i: int, request: Callable[[], Reply]) -> None:
        start.wait()
        replies[i] = request()

    threads = [threading.Thread(target=run, args=(i, r)) for i, r in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return replies


def select(question: Any, value: str) -> dict[str, Any]:
    """Choosing `value` in the question's single-choice menu."""
    for block in question.blocks:
        for element in block.get("elements", []):
            if element.get("type") == "static_select":
                return p.static_select(element["action_id"], value, block_id=block["block_id"])
    raise AssertionError(f"no menu in {question}")


def click_as(chat: Chat, action: dict[str, Any], user: str) -> Callable[[], Reply]:
    return lambda: chat.bot.slack.block_actions(
        [action], user_id=user, channel_id=chat.channel, team_id=chat.team, message_ts=chat.thread
    )


def reply_as(chat: Chat, text: str, user: str) -> Callable[[], Reply]:
    return lambda: chat.bot.slack.event(chat.message(text, user))


def test_two_people_choose_different_answers_to_one_question_at_once(bot: Bot, fake_slack: FakeSlack) -> None:
    chat = Chat(bot, fake_slack)
    chat.start()
    question = last_question(fake_slack.calls())
    mark = fake_slack.mark()
    replies = at_once(
        click_as(chat, select(question, "3"), ALICE), click_as(chat, select(question, "1"), BOB)
    )
    assert [r.status for r in replies] == [200, 200]

    # Both answers are in the history; one of them decided, the other is marked late.
    history = chat.history()
    assert sorted(r.author for r in history) == [ALICE, BOB]
    assert {r.question for r in history} == {K_ORGANISATION}
    late = [r for r in history if r.value == {"late": True}]
    decided = [r for r in history if r.value != {"late": True}]
    assert len(late) == 1 and len(decided) == 1
    review = chat.review()
    assert review.answers[K_ORGANISATION] == decided[0].value
    # The review moved on once: the next question was posted once, and the late one was told.
    calls = chat.since(mark)
    posted = chat.questions(calls)
    assert len(posted) == 1 and "Step 1 of 7" in posted[0].all_text()
    assert "answered already" in " ".join(ephemerals(calls))
    assert review.posted_question == "simplify.processes"


def test_yes_and_no_clicked_at_once_on_a_merge(bot: Bot, fake_slack: FakeSlack) -> None:
    chat = Chat(bot, fake_slack)
    chat.start()
    chat.say_all(["skip", "Blog writing\nWriting blog posts\nSEO audits"])
    calls = chat.say("done")
    merge = last_question(calls)
    assert "Writing blog posts" in merge.all_text()
    mark = fake_slack.mark()
    at_once(click_as(chat, button(merge, "Yes"), ALICE), click_as(chat, button(merge, "No"), BOB))
    merges = [r for r in chat.history() if r.question.startswith("simplify.merge:")]
    assert sorted(r.author for r in merges) == [ALICE, BOB]
    assert len([r for r in merges if r.value == {"late": True}]) == 1
    assert len(chat.questions(chat.since(mark))) == 1  # step 2 posted once


def test_ratings_sent_at_the_same_moment_are_all_kept(bot: Bot, fake_slack: FakeSlack) -> None:
    chat = Chat(bot, fake_slack)
    chat.start()
    chat.say_all(["skip", "Blog writing\nSEO audits", "done", "all", *["none"] * KNOCKOUTS, "ok", "skip"])
    raters = [ALICE, BOB, CAROL, "U0DAN", "U0ERIN", "U0FRANK"]
    # Each in a direct message, where ratings are given.
    replies = at_once(
        *(lambda rater=rater: chat.bot.slack.event(chat.direct(RATING, rater)) for rater in raters)
    )
    assert {r.status for r in replies} == {200}
    review = chat.review()
    key = next(k for k in review.drafts if k.startswith("prioritise.rate:"))
    assert sorted(review.drafts[key]) == sorted(raters)  # no rating lost to a concurrent save
    ratings = [r for r in chat.history() if r.question == key]
    assert sorted(r.author for r in ratings) == sorted(raters)


def test_lines_added_by_many_people_at_once_are_all_kept(bot: Bot, fake_slack: FakeSlack) -> None:
    chat = Chat(bot, fake_slack)
    chat.start()
    chat.say("skip")
    people = [f"U0P{i:03d}" for i in range(8)]
    at_once(*(reply_as(chat, f"Process of {person}", person) for person in people))
    draft = chat.review().drafts["simplify.processes"]
    assert sorted(draft) == sorted(f"Process of {person}" for person in people)
    assert len(chat.history()) == 1 + len(people)
