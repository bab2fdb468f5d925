"""Who may do what: anyone in the channel answers; the facilitator or a workspace admin cancels, reopens, sets
the weights and closes a rating round; nobody acts on a review from another channel or from outside it."""

from __future__ import annotations

import json

from bot.slack.text import question_token
from flows.interview import current_prompt
from flows.method import Stage
from tests.support import FakeSlack
from tests.support import payloads as p
from tests.support.bots import Bot
from tests.support.chat import ALICE, BOB, Chat, button, last_question, new_channel
from tests.support.conversation import ephemerals
from tests.support.fake_slack import Call

ADMIN = "U0ADMIN"
KNOCKOUTS = ["none"] * 12
TO_WEIGHTS = ["skip", "Blog writing\nSEO audits", "done", "all", *KNOCKOUTS]


def said(calls: list[Call]) -> str:
    return " ".join(ephemerals(calls) + [c.text for c in calls if c.method == "response_url"])


def list_form(chat: Chat, user: str, text: str, channel: str | None) -> tuple[int, list[Call]]:
    """Submit the many-lines form of the open list question, as opened from `channel` (None: no channel)."""
    review = chat.review()
    prompt = current_prompt(review)
    assert prompt is not None
    metadata = {"r": review.id, "q": question_token(prompt.key), "c": channel, "t": review.thread_ts}
    mark = chat.fake.mark()
    reply = chat.bot.slack.view_submission(
        "list_view",
        {"lines": {"lines_input": p.text_value(text)}},
        user_id=user,
        team_id=chat.team,
        private_metadata=json.dumps(metadata),
    )
    return reply.status, chat.since(mark)


def test_anyone_in_the_channel_answers(bot: Bot, fake_slack: FakeSlack) -> None:
    chat = Chat(bot, fake_slack)
    chat.start()
    chat.click(last_question(fake_slack.calls()), "Skip", BOB)
    chat.say("Blog writing", BOB)
    assert [(r.author, r.text) for r in chat.history()] == [(BOB, "skip"), (BOB, "Blog writing")]


def test_weights_only_from_the_facilitator_or_an_admin(bot: Bot, fake_slack: FakeSlack) -> None:
    fake_slack.set_user(ADMIN, "ada", is_admin=True)
    chat = Chat(bot, fake_slack)
    chat.start()
    chat.say_all(TO_WEIGHTS)
    assert current_prompt(chat.review()).key == "prioritise.weights"  # type: ignore[union-attr]
    calls = chat.say("risk 3", BOB)
    assert "Only the facilitator" in said(calls)
    assert "prioritise.weights" not in chat.review().answers
    calls = chat.say("risk 3", ADMIN)
    assert chat.review().answers["prioritise.weights"]["weights"]["risk"] == 3
    # Later on (here at a rating), changing them with `weights …` is the facilitator's (or an admin's) too.
    chat.say("skip")
    calls = chat.say("weights risk 5", BOB)
    assert "Only the facilitator" in said(calls)
    chat.say("weights risk 5", ADMIN)
    assert chat.review().answers["prioritise.weights"]["weights"]["risk"] == 5


def test_closing_a_rating_round_only_by_the_facilitator_or_an_admin(bot: Bot, fake_slack: FakeSlack) -> None:
    fake_slack.set_user(ADMIN, "ada", is_admin=True)
    chat = Chat(bot, fake_slack)
    chat.start()
    chat.say_all([*TO_WEIGHTS, "ok", "skip"])
    chat.rate("2 4 2 3 5 2", BOB)
    calls = chat.say("done", BOB)
    assert "Only the facilitator closes a rating round" in said(calls)
    key = current_prompt(chat.review()).key  # type: ignore[union-attr]
    assert key.startswith("prioritise.rate:")
    calls = chat.say("done", ADMIN)
    assert key in chat.review().answers and chat.questions(calls)


def test_cancel_and_reopen_only_by_the_facilitator_or_an_admin(bot: Bot, fake_slack: FakeSlack) -> None:
    fake_slack.set_user(ADMIN, "ada", is_admin=True)
    chat = Chat(bot, fake_slack)
    chat.start()
    reply, _ = chat.command("cancel", BOB)  # the command's answer, seen only by Bob
    assert "Only the facilitator" in reply.text and chat.review().is_open
    chat.command("cancel", ADMIN)
    assert chat.review().state is Stage.CANCELLED
    reply, _ = chat.command("reopen", BOB)
    assert "Only the facilitator" in reply.text and chat.review().state is Stage.CANCELLED
    chat.command("reopen", ALICE)
    assert chat.review().is_open
    cancels = [r for r in chat.history() if r.question.startswith("review.")]
    assert [(r.question, r.author) for r in cancels] == [("review.cancel", ADMIN), ("review.reopen", ALICE)]


def test_a_button_used_from_another_channel_is_refused(bot: Bot, fake_slack: FakeSlack) -> None:
    chat = Chat(bot, fake_slack)
    chat.start()
    question = last_question(fake_slack.calls())
    elsewhere = new_channel()
    for label in ("Skip", "Add in a form"):
        if label == "Add in a form":
            chat.say("skip")
            question = last_question(fake_slack.calls())
        before = len(chat.history())
        reply, calls = chat.click(question, label, BOB, channel_id=elsewhere)
        assert reply.status == 200
        refusals = [c for c in calls if c.method == "chat.postEphemeral"]
        assert [(c["channel"], c["user"]) for c in refusals] == [(elsewhere, BOB)]
        assert "another channel" in refusals[0].text
        assert len(chat.history()) == before and not [c for c in calls if c.method == "views.open"]


def test_a_form_naming_a_review_of_another_channel_is_refused(bot: Bot, fake_slack: FakeSlack) -> None:
    chat = Chat(bot, fake_slack)
    chat.start()
    chat.say("skip")
    status, calls = list_form(chat, BOB, "Blog writing", new_channel())
    assert status == 200 and "another channel" in said(calls)
    assert "simplify.processes" not in chat.review().drafts
    status, calls = list_form(chat, BOB, "Blog writing", chat.channel)  # from the review's own channel
    assert "Added 1" in said(calls)


def test_without_a_channel_only_members_of_the_reviews_channel_may_answer(
    bot: Bot, fake_slack: FakeSlack
) -> None:
    chat = Chat(bot, fake_slack)
    fake_slack.add_channel(chat.channel, members=[ALICE, BOB])
    chat.start()
    chat.say("skip")
    outsider = "U0OUTSIDER"
    status, calls = list_form(chat, outsider, "Sneaky process", None)
    assert status == 200
    refusal = [c for c in calls if c.method == "chat.postMessage"]
    assert [c["channel"] for c in refusal] == [outsider] and "Only members" in refusal[0].text
    assert "simplify.processes" not in chat.review().drafts
    status, calls = list_form(chat, BOB, "Blog writing", None)
    assert "Added 1" in said(calls)
    assert chat.review().drafts["simplify.processes"] == ["Blog writing"]


def test_a_review_of_another_workspace_is_refused(bot: Bot, fake_slack: FakeSlack) -> None:
    chat = Chat(bot, fake_slack)
    chat.start()
    question = last_question(fake_slack.calls())
    reply, calls = chat.click(question, "Skip", "U0STRANGER", team_id="T0ELSEWHERE")
    assert reply.status == 200 and "another workspace" in said(calls)
    assert chat.history() == []


def test_a_review_of_another_enterprise_organisation_is_refused(bot: Bot, fake_slack: FakeSlack) -> None:
    chat = Chat(bot, fake_slack)
    chat.command("Grid review", enterprise_id="E0GRID")
    chat.thread = next(
        str(c["thread_ts"]) for c in fake_slack.calls("chat.postMessage") if c.get("thread_ts")
    )
    assert chat.review().enterprise_id == "E0GRID"
    question = last_question(fake_slack.calls())
    for enterprise, allowed in (("E0OTHER", False), ("E0GRID", True)):
        payload = p.block_actions(
            [button(question, "Skip")], channel_id=chat.channel, team_id=chat.team, message_ts=chat.thread
        )
        payload["enterprise"] = {"id": enterprise, "name": enterprise}
        mark = fake_slack.mark()
        assert bot.slack.interaction(payload).status == 200
        assert ("another workspace" in said(chat.since(mark))) is not allowed
        assert len(chat.history()) == int(allowed)
