"""Decisions a team can revise in Slack: reconsider, change, new versions and what changed, nudges, peers."""

from __future__ import annotations

from tests.support import FakeSlack
from tests.support import payloads as p
from tests.support.bots import Bot
from tests.support.conversation import BOB, REPLIES, Conversation, last_question
from tests.support.fake_slack import Call


def finish_review(talk: Conversation) -> None:
    talk.start("Q3 review")
    for text, user in REPLIES:
        talk.reply(text, user)


def to_the_first_rating(talk: Conversation) -> Call:
    """One process (Bob answered too), no exclusions, equal weights: the rating question of step 6."""
    for text, user in [("skip", p.USER_ID), ("Blog writing", p.USER_ID), ("done", p.USER_ID), ("all", BOB)]:
        talk.say(text, user)
    for _ in range(12):
        calls = talk.say("none")
        if "Step 6 of 7" in last_question(calls).all_text():
            break
    talk.say("ok")
    return last_question(talk.say("skip"))


def said(calls: list[Call]) -> str:
    return "\n".join(c.all_text() for c in calls)


def test_reconsider_after_reopening_and_the_ledger_in_the_report(bot: Bot, fake_slack: FakeSlack) -> None:
    talk = Conversation(bot, fake_slack)
    finish_review(talk)
    report = said([c for c in fake_slack.calls("chat.postMessage") if not c.get("thread_ts")])
    assert f"Brand strategy: gives a competitive advantage (by <@{p.USER_ID}>)" in report

    _, body, calls = talk.command("answers")
    assert "1. the kind of organisation → ecommerce" in body + said(calls)
    assert "Only the facilitator" in talk.command("reopen", user=BOB)[1]
    talk.command("reopen")
    calls = talk.say("reconsider Brand strategy", BOB)
    assert "Only the facilitator can use `reconsider`" in said(calls)
    calls = talk.say("reconsider brand strategy")
    assert (
        "Does this hold for “Brand strategy”: gives a competitive advantage?"
        in last_question(calls).all_text()
    )
    for _ in range(12):
        calls = talk.say("no")
    assert "Brand strategy" in last_question(calls).all_text()  # its service level
    talk.say("skip")
    talk.rate("2 2 2 2 2 2")
    talk.say("done")
    calls = talk.say("done")  # its metrics: the review finishes and the shortlist is posted again
    posted = said([c for c in calls if c.method == "chat.postMessage" and not c.get("thread_ts")])
    assert "Brand strategy" in posted and "Reconsidered" in posted
    assert f"Brand strategy was reconsidered by <@{p.USER_ID}> (was excluded at step 3); now ranked" in posted


def test_a_new_version_and_what_changed(bot: Bot, fake_slack: FakeSlack) -> None:
    talk = Conversation(bot, fake_slack, channel="C0VERSIONS")
    finish_review(talk)
    first_thread = talk.thread_ts
    calls = talk.command("rerun")[2]
    kickoffs = [c for c in calls if c.method == "chat.postMessage" and not c.get("thread_ts")]
    assert kickoffs, said(calls)
    talk.thread_ts = str(kickoffs[0].response["ts"])
    assert talk.thread_ts != first_thread
    assert "started a new version" in said(calls)
    talk.say("weights risk 4")
    talk.say("done")
    _, body, calls = talk.command("diff")
    assert "Weights changed: risk 2 → 4." in body + said(calls)


def test_nudge_names_whoever_has_not_rated(bot: Bot, fake_slack: FakeSlack) -> None:
    talk = Conversation(bot, fake_slack, channel="C0NUDGE")
    talk.start("Nudges")
    rate = to_the_first_rating(talk)
    talk.rate("1 1 1 1 1 1")  # the facilitator rates (in private); Bob has not
    calls = talk.click(rate, "Nudge who hasn't rated", user=BOB)
    assert "Only the facilitator can nudge" in said(calls)
    calls = talk.click(rate, "Nudge who hasn't rated")
    nudges = [c for c in calls if c.method == "chat.postMessage" and c.get("thread_ts")]
    assert nudges and f"<@{BOB}>" in nudges[0].text and f"<@{p.USER_ID}>" not in nudges[0].text


def test_step_two_shows_what_this_workspace_shortlisted_before(bot: Bot, fake_slack: FakeSlack) -> None:
    finish_review(Conversation(bot, fake_slack, channel="C0FIRST"))
    talk = Conversation(bot, fake_slack, channel="C0SECOND")
    talk.start("Next quarter")
    talk.say("skip")
    talk.say("Blog writing\nPodcasts")
    calls = talk.say("done")
    question = last_question(calls).all_text()
    assert "Shortlisted in this workspace's finished reviews: Blog writing 1×." in question


def test_ratings_stay_blind_until_the_round_closes(bot: Bot, fake_slack: FakeSlack) -> None:
    """No message, ephemeral, DM answer or view shows one rater's values to anyone before `done`."""
    talk = Conversation(bot, fake_slack, channel="C0BLIND")
    talk.start("Blind")
    rate = to_the_first_rating(talk)
    mark = fake_slack.mark()
    talk.rate("5 4 1 2 3 1")  # the facilitator's ratings, in a DM: an order no question text contains
    talk.click(rate, "Rate privately", user=BOB)
    talk.command("status", user=BOB)
    shown = [c for c in fake_slack.calls() if c.seq > mark]
    assert any(c.method == "views.open" for c in shown)
    for call in shown:
        text = call.all_text() + str(call.args)
        assert "5 4 1 2 3 1" not in text and "5, 4, 1, 2, 3, 1" not in text, call
        assert '"risk": 5' not in text and "risk 5" not in text, call
