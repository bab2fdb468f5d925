"""When Slack fails: the answer (and what it shows) is saved before any Web API call, what failed is sent again
when Slack answers, and Slack's refusals are told in a log line (and to the user where possible), never a
crash."""

from __future__ import annotations

import itertools
from typing import Any

from flows.interview import current_prompt
from tests.support import FakeSlack
from tests.support import payloads as p
from tests.support.bots import BOT_TOKEN, Bot
from tests.support.chat import Chat, wait_until
from tests.support.conversation import ephemerals
from tests.support.fake_slack import Call

CHAT_METHODS = ("chat.postMessage", "chat.update", "chat.postEphemeral")


def test_the_answer_is_saved_before_any_web_api_call(bot: Bot, fake_slack: FakeSlack) -> None:
    chat = Chat(bot, fake_slack)
    chat.start()
    seen: list[tuple[str, int]] = []
    originals = {m: getattr(fake_slack, "_api_" + m.replace(".", "_")) for m in CHAT_METHODS}

    def watching(method: str) -> Any:
        def handler(call: Call) -> Any:
            seen.append((method, len(chat.history())))
            return originals[method](call)

        return handler

    for method in CHAT_METHODS:
        fake_slack.on(method, watching(method))
    chat.say("skip")
    assert seen and all(saved == 1 for _, saved in seen), seen


def test_every_web_api_call_failing_loses_no_answer_and_nothing_it_shows(
    bot: Bot, fake_slack: FakeSlack
) -> None:
    """Slack failing (5xx-like errors) holds nothing up: the answer and what it shows are saved, and what it
    shows is sent, once, when Slack answers again."""
    chat = Chat(bot, fake_slack)
    chat.start()
    for method in CHAT_METHODS:
        fake_slack.fail(method, "internal_error", times=None)
    reply, calls = chat.event(chat.message("skip"))
    assert reply.status == 200
    assert {c.method for c in calls} <= set(CHAT_METHODS) and not any(c.ok for c in calls)
    assert [r.text for r in chat.history()] == ["skip"]
    assert chat.review().posted_question == "simplify.processes"  # its row waits in the outbox
    assert "delivery will be tried again method=chat.update error=internal_error" in bot.output()

    mark = fake_slack.mark()
    fake_slack.clear_faults()
    posted = fake_slack.wait_for(
        "chat.postMessage", lambda c: c.ok and c.get("thread_ts") == chat.thread, since=mark, timeout=20
    )
    assert "Step 1 of 7" in posted.all_text()
    calls = chat.say("Blog writing")  # and the review goes on as usual
    assert "Added 1" in " ".join(ephemerals(calls)) and chat.questions(calls) == []
    steps = [c for c in fake_slack.calls("chat.postMessage") if c.ok and "Step 1 of 7" in c.all_text()]
    assert len(steps) == 1  # sent once


def test_a_post_rate_limited_again_and_again_goes_out_when_the_limit_lifts(
    bot: Bot, fake_slack: FakeSlack
) -> None:
    chat = Chat(bot, fake_slack)
    chat.start()
    fake_slack.rate_limit("chat.postMessage", retry_after=1, times=4)
    mark = fake_slack.mark()
    reply, _ = chat.event(chat.message("skip"))
    assert reply.status == 200  # at once: the post waits for the channel's pause, not the request
    assert len(chat.history()) == 1
    fake_slack.wait_for(
        "chat.postMessage", lambda c: c.ok and c.get("thread_ts") == chat.thread, since=mark, timeout=30
    )
    attempts = [c for c in fake_slack.calls("chat.postMessage") if c.seq > mark]
    assert [c.status for c in attempts] == [429] * 4 + [200]
    assert all(b.time - a.time >= 0.9 for a, b in itertools.pairwise(attempts))  # Retry-After
    assert "rate limited method=chat.postMessage" in bot.output()
    calls = chat.say("help")
    assert chat.questions(calls) == []  # posted once, not again


def test_slacks_refusals_are_logged_with_what_to_do(bot: Bot, fake_slack: FakeSlack) -> None:
    fixes = {
        "not_in_channel": "invite the bot",
        "channel_not_found": "invite the bot",
        "is_archived": "archived",
        "invalid_auth": "reinstall the app",
        "token_revoked": "reinstall the app",
    }
    for error, fix in fixes.items():
        chat = Chat(bot, fake_slack)
        chat.start()
        fake_slack.fail("chat.postMessage", error, times=None)
        fake_slack.fail("chat.postEphemeral", error, times=None)
        fake_slack.fail("chat.update", error, times=None)
        reply, _ = chat.event(chat.message("skip"))
        assert reply.status == 200, error
        assert len(chat.history()) == 1, error
        wait_until(lambda e=error: f"error={e}" in bot.output(), what=error)
        line = next(x for x in bot.output().splitlines() if f"error={error}" in x)
        assert fix in line, line
        fake_slack.clear_faults()
    assert "Traceback" not in bot.output()
    assert bot.slack.get("/healthz").status == 200


def test_a_review_started_where_the_bot_cannot_post_says_so(bot: Bot, fake_slack: FakeSlack) -> None:
    chat = Chat(bot, fake_slack)
    fake_slack.archive(chat.channel)
    reply, calls = chat.command("Q3 review")
    assert reply.status == 200
    said = [c for c in calls if c.method == "response_url"]
    assert said and "archived" in said[0]["text"]


def test_a_revoked_token_is_logged_and_the_bot_keeps_serving(bot: Bot, fake_slack: FakeSlack) -> None:
    chat = Chat(bot, fake_slack)
    chat.start()
    fake_slack.revoke(BOT_TOKEN)
    reply, calls = chat.event(chat.message("skip"))
    assert reply.status == 200 and {c.error for c in calls} == {"token_revoked"}
    assert len(chat.history()) == 1
    line = next(x for x in bot.output().splitlines() if "error=token_revoked" in x)
    assert "the workspace revoked the bot token; reinstall the app" in line
    assert bot.running()


def test_uninstall_events_in_single_workspace_mode_are_logged(bot: Bot, fake_slack: FakeSlack) -> None:
    for event in (p.app_uninstalled_event(), p.tokens_revoked_event()):
        reply = bot.slack.event(event)
        assert reply.status == 200
    wait_until(lambda: "losing its tokens" in bot.output())
    assert "the app was uninstalled for team T0TEST; SLACK_BOT_TOKEN no longer works" in bot.output()


def test_after_an_outage_only_the_question_still_open_is_posted(bot: Bot, fake_slack: FakeSlack) -> None:
    """Answers given while Slack was down each queued the next question; once Slack answers again, the
    questions answered meanwhile are not posted (their rows end as done, skipped), only the one still open."""
    chat = Chat(bot, fake_slack)
    chat.start()
    for method in CHAT_METHODS:
        fake_slack.fail(method, "internal_error", times=None)
    chat.say("skip")  # step 1's question is queued ...
    chat.say("Blog writing\nSEO audits")
    chat.say("done")  # ... and answered: step 2's is queued, and so on
    chat.say("all")
    review = chat.review()
    assert review.posted_question is not None and review.posted_question != "simplify.processes"

    mark = fake_slack.mark()
    fake_slack.clear_faults()
    wait_until(lambda: bot_backlog(bot) == 0, what="the outbox delivered", timeout=30)
    questions = chat.questions([c for c in fake_slack.calls() if c.seq > mark])
    open_question = current_prompt(chat.review())
    assert open_question is not None and open_question.edition == review.posted_question
    assert [open_question.text[:40] in c.all_text() for c in questions] == [True], [
        c.all_text()[:80] for c in questions
    ]


def bot_backlog(bot: Bot) -> int:
    return int((bot.slack.get("/healthz").json().get("outbox") or {}).get("backlog", -1))
