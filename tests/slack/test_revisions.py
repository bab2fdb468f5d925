"""Decisions a team can revise in Slack: reconsider, change, new versions and what changed, nudges, peers."""

from __future__ import annotations

from tests.support import FakeSlack
from tests.support import payloads as p
from tests.support.bots import Bot
from tests.support.conversation import BOB, REPLIES, Conversation, last_question, report_files
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
    # The shortlist message names what was kept in-house; the Markdown file in the thread says who decided it.
    report = said([c for c in fake_slack.calls("chat.postMessage") if not c.get("thread_ts")])
    assert "Brand strategy: gives a competitive advantage (step 3, keep in-house)" in report
    (markdown,) = report_files(fake_slack, talk.channel)
    assert "| Brand strategy | 3 | gives a competitive advantage | u0alice |" in markdown

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
    posted = [c for c in calls if c.method == "chat.postMessage" and not c.get("thread_ts")]
    assert [c.text for c in posted] == ["Shortlist: Q3 review"]
    assert "Brand strategy (rank" in said(posted)  # ranked now, in the advice
    markdown = report_files(fake_slack, talk.channel, count=2)[-1]
    assert "## Reconsidered" in markdown
    assert (
        "- Brand strategy (was excluded at step 3: gives a competitive advantage) was reconsidered by u0alice"
        in markdown
    )
    assert "; now ranked" in markdown


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


def test_nudge_reminds_whoever_has_not_rated_privately(bot: Bot, fake_slack: FakeSlack) -> None:
    talk = Conversation(bot, fake_slack, channel="C0NUDGE")
    talk.start("Nudges")
    rate = to_the_first_rating(talk)
    talk.rate("1 1 1 1 1 1")  # the facilitator rates (in private); Bob has not
    calls = talk.click(rate, "Nudge who hasn't rated", user=BOB)
    assert "Only the facilitator can nudge" in said(calls)
    calls = talk.click(rate, "Nudge who hasn't rated")
    # Nothing in the thread: Bob gets a direct message, and the facilitator a word that it went.
    assert not [c for c in calls if c.method == "chat.postMessage" and c.get("thread_ts")]
    (nudge,) = [c for c in calls if c.method == "chat.postMessage"]
    assert nudge["channel"] == BOB and "your ratings of" in nudge.text and "*Nudges*" in nudge.text
    assert f"Reminded privately: <@{BOB}>." in said(calls)


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
