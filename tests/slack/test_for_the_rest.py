"""`skip all` and `done all` in Slack: a service level or the metrics of every task left, in one reply or one
click, recorded as the same replies one by one would be. Signed requests into the real app, the fake Web API."""

from __future__ import annotations

import re

from flows.method import Stage
from tests.support import FakeSlack
from tests.support import payloads as p
from tests.support.bots import Bot
from tests.support.conversation import Conversation, last_question, new_channel, wait_for_file
from tests.support.fake_slack import Call

PROCESSES = ["SEO audits", "Newsletter", "Blog writing", "Podcast"]
RATINGS = ["2 4 2 2 5 2", "3 3 3 3 3 3", "1 3 1 3 4 1"]
WHEN = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC")  # the ledger's times


def buttons(question: Call) -> list[str]:
    return [
        e["text"]["text"] for b in question.blocks for e in b.get("elements", []) if e.get("type") == "button"
    ]


def to_step_6(bot: Bot, fake_slack: FakeSlack) -> tuple[Conversation, Call]:
    """A review of four processes (Podcast kept in-house at step 3), one rater named: its first service level."""
    talk = Conversation(bot, fake_slack, new_channel())
    talk.start("Same")
    talk.say(f"raters <@{p.USER_ID}>", markup=True)
    for text in ["skip", "\n".join(PROCESSES), "done", "all", "4", *["none"] * 11]:
        talk.say(text)
    question = last_question(talk.say("ok"))
    assert "What service level do you get for “SEO audits”" in question.all_text()
    return talk, question


def test_skip_all_and_done_for_all_record_what_skip_and_done_one_by_one_would(
    bot: Bot, fake_slack: FakeSlack
) -> None:
    at_once, question = to_step_6(bot, fake_slack)
    assert "Skip all" in buttons(question)
    assert "`skip all` (no service level for this task or any after it)" in question.all_text()
    at_once.say("monthly, 5 working days")
    at_once.rate(RATINGS[0])
    calls = at_once.say("skip all")  # typed in the thread: Newsletter's and Blog writing's
    question = last_question(calls)
    assert "Rate “Newsletter”" in question.all_text()
    assert "Skipped, and the service levels of the task after it too." in question.all_text()
    at_once.rate(RATINGS[1])
    question = last_question(at_once.rate(RATINGS[2]))  # no service level asked for Blog writing
    assert "Step 7 of 7" in question.all_text() and "Done for all" in buttons(question)
    at_once.say("open rate; 20; 30")
    at_once.click(question, "Done for all")
    assert at_once.review().state is Stage.DONE
    typed = [r.text for r in at_once.store.history(at_once.review().id or "")]
    assert "skip all" in typed and "done all" in typed

    one_by_one, _ = to_step_6(bot, fake_slack)
    for text in ["monthly, 5 working days", RATINGS[0], "skip", RATINGS[1], "skip", RATINGS[2]]:
        one_by_one.reply(text)
    for text in ["open rate; 20; 30", "done", "done", "done"]:
        one_by_one.say(text)
    assert one_by_one.review().state is Stage.DONE

    assert at_once.review().answers == one_by_one.review().answers
    reports = [
        WHEN.sub("(when)", wait_for_file(fake_slack, talk.channel).content.decode())
        for talk in (at_once, one_by_one)
    ]
    assert reports[0] == reports[1]
    assert "monthly, 5 working days" in reports[0] and "open rate" in reports[0]


def test_step_2s_peer_figures_are_posted_once_not_again_after_a_reply_it_did_not_take(
    bot: Bot, fake_slack: FakeSlack
) -> None:
    talk = Conversation(bot, fake_slack, new_channel())
    talk.start("Peers")
    talk.say("skip")
    talk.say("\n".join(PROCESSES))
    calls = talk.say("done")
    assert "(Constant Contact via MediaPost, 2013" in last_question(calls).all_text()
    typo = talk.say("x9")
    assert [c for c in typo if c.method == "chat.postMessage"] == []  # told privately, nothing reposted
    (told,) = [c.text for c in typo if c.method == "chat.postEphemeral"]
    assert "x9" in told and "Constant Contact" not in told
    talk.say("all")
    thread = talk.fake.messages(talk.channel, thread_ts=talk.thread_ts)
    assert sum("Constant Contact" in m.all_text() for m in thread) == 1
