"""Slack delivers twice: a retried event and a double-clicked button are each applied once."""

from __future__ import annotations

from tests.support import payloads as p
from tests.support.conversation import Slack, ephemerals, last_question, shared_bot

slack = shared_bot("dedupe")


def test_a_retried_event_is_applied_once(slack: Slack) -> None:
    talk = slack.talk()
    thread = talk.start()
    talk.say("skip")
    review = talk.review()
    callback = p.event_callback(
        p.message_event("Blog writing", channel=talk.channel, thread_ts=thread), event_id="Ev0RETRIED"
    )
    mark = slack.fake.mark()
    assert slack.bot.slack.event(callback).status == 200
    # Slack did not see our 200 in time and sends the same event again, then again.
    assert slack.bot.slack.event(callback, retry_num=1, retry_reason="http_timeout").status == 200
    assert slack.bot.slack.event(callback, retry_num=2, retry_reason="http_error").status == 200
    calls = talk.settle(mark)
    history = talk.store.history(review.id or "")
    assert [r.text for r in history] == ["skip", "Blog writing"]
    assert len(ephemerals(calls)) == 1 and "Added 1" in ephemerals(calls)[0]
    # No more kickoff updates than one delivery makes (none: one more list item changes nothing it shows).
    assert len([c for c in calls if c.method == "chat.update"]) <= 1
    done = talk.say("done")
    assert "Step 2 of 7" in last_question(done).all_text()


def test_a_double_clicked_button_is_applied_once(slack: Slack) -> None:
    talk = slack.talk()
    thread = talk.start()
    question = last_question(slack.fake.calls())
    skip = next(
        element
        for block in question.blocks
        for element in block.get("elements", [])
        if element.get("type") == "button" and element["text"]["text"] == "Skip"
    )
    block_id = next(b["block_id"] for b in question.blocks if skip in b.get("elements", []))
    click = p.button(skip["action_id"], skip["value"], block_id=block_id)  # one action_ts for both
    mark = slack.fake.mark()
    for _ in range(2):
        reply = slack.bot.slack.block_actions(
            [click], channel_id=talk.channel, team_id=talk.team, message_ts=thread
        )
        assert reply.status == 200
    calls = talk.settle(mark)
    assert len(talk.store.history(talk.review().id or "")) == 1
    assert ephemerals(calls) == []  # no "answered already" for the echo of the same click
    assert len([c for c in calls if c.method == "chat.postMessage"]) == 1

    # A second, real click (a new action_ts) on the old question is told it is stale (and kept as late).
    calls = talk.click(question, "Skip")
    assert "answered already" in " ".join(ephemerals(calls))
    history = talk.store.history(talk.review().id or "")
    assert [r.value for r in history[1:]] == [{"late": True}]
