"""A question answered loses its buttons: its message is updated in place, saying who answered it."""

from __future__ import annotations

from tests.support import payloads as p
from tests.support.conversation import Slack, failed, in_channel, review_replies, shared_bot, wait_for_file

slack = shared_bot("answered")


def actions(blocks: list[dict]) -> list[dict]:  # type: ignore[type-arg]
    return [b for b in blocks if b.get("type") == "actions"]


def sections(blocks: list[dict]) -> list[str]:  # type: ignore[type-arg]
    return [b["text"]["text"] for b in blocks if b.get("type") == "section"]


def test_the_answered_question_keeps_its_text_and_loses_its_buttons(slack: Slack) -> None:
    talk = slack.talk()
    thread = talk.start("Buttons")
    (first,) = [m for m in slack.fake.messages(talk.channel, thread_ts=thread) if m.ts != thread]
    assert actions(first.blocks), "an open question has its buttons"
    question_text = sections(first.blocks)[0]

    talk.answer("skip")  # the first question (the kind of organisation) may be skipped

    answered = slack.fake.message(talk.channel, first.ts)
    assert not actions(answered.blocks)
    assert sections(answered.blocks)[0] == question_text
    assert f"Answered by <@{p.USER_ID}>" in answered.blocks[-1]["elements"][0]["text"]
    following = slack.fake.messages(talk.channel, thread_ts=thread)[-1]
    assert following.ts != first.ts and actions(following.blocks), "the next question has its buttons"


def test_after_a_whole_review_no_question_has_buttons_left(slack: Slack) -> None:
    talk = slack.talk()
    thread = talk.start("All answered")
    for text in review_replies(["Blog writing", "SEO audits"]):
        talk.answer(text)
    wait_for_file(slack.fake, talk.channel)
    in_thread = [m for m in slack.fake.messages(talk.channel, thread_ts=thread) if m.ts != thread]
    with_buttons = [m.text for m in in_thread if actions(m.blocks)]
    assert len(in_thread) > 20 and not with_buttons
    assert not failed(in_channel(slack.fake.calls(), talk.channel))


def test_a_question_deleted_in_slack_is_left_alone_without_a_problem(slack: Slack) -> None:
    talk = slack.talk()
    thread = talk.start("Deleted")
    (first,) = [m for m in slack.fake.messages(talk.channel, thread_ts=thread) if m.ts != thread]
    first.deleted = True  # someone removed the bot's question in Slack

    talk.answer("skip")
    updates = [c for c in in_channel(slack.fake.calls(), talk.channel) if c.method == "chat.update"]
    assert [c.error for c in updates if c["ts"] == first.ts] == ["message_not_found"]
    code, text, _ = talk.command("status")
    assert code == 200 and "refused" not in text, text
