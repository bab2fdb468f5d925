"""`/outsource-review checkin` over HTTP against the fake Web API: the modal, the values, early warnings in the
thread, the monthly reminder and the metric charts."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import text as sql

from flows.checkin import K_CHECKIN, next_reminder
from flows.method import Stage
from storage.db import make_engine
from storage.reminders import reminders_beside
from tests.support import FakeSlack
from tests.support import payloads as p
from tests.support.bots import Bot
from tests.support.checkin import (
    ANSWERS,
    COST_LABEL,
    SESSIONS_LABEL,
    finished_review,
    inputs,
    load,
    values_for,
)
from tests.support.conversation import REPLIES, Conversation, ephemerals, store_of
from tests.support.fake_slack import Call

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def this_month() -> str:
    return datetime.now(UTC).strftime("%Y-%m")


def last_month() -> str:
    return (datetime.now(UTC).replace(day=1) - timedelta(days=1)).strftime("%Y-%m")


def open_modal(talk: Conversation) -> Call:
    status, text, calls = talk.command("checkin")
    assert status == 200 and text == ""
    opened = [c for c in calls if c.method == "views.open"]
    assert len(opened) == 1, calls
    return opened[0]


def checkin(talk: Conversation, period: str | None, **by_label: str) -> list[Call]:
    opened = open_modal(talk)
    return talk.submit(opened, values_for(opened.view or {}, period, **by_label))


def in_thread(calls: list[Call], thread: str) -> list[Call]:
    return [c for c in calls if c.method == "chat.postMessage" and c.get("thread_ts") == thread]


# ---------------------------------------------------------------- the modal


def test_the_command_opens_a_modal_with_a_number_per_metric(bot: Bot, fake_slack: FakeSlack) -> None:
    finished_review(bot, fake_slack)
    opened = open_modal(Conversation(bot, fake_slack))
    assert opened["trigger_id"]
    view = opened.view or {}
    assert view["callback_id"] == "checkin_view"
    blocks = inputs(view)
    assert list(blocks) == ["Month (YYYY-MM)", SESSIONS_LABEL, COST_LABEL]
    assert blocks["Month (YYYY-MM)"]["element"]["initial_value"] == this_month()
    for label in (COST_LABEL, SESSIONS_LABEL):
        assert blocks[label]["element"]["type"] == "number_input"
        assert blocks[label]["element"]["is_decimal_allowed"] is True
        assert blocks[label]["optional"] is True


def test_without_a_review_or_metrics_the_command_says_why(bot: Bot, fake_slack: FakeSlack) -> None:
    talk = Conversation(bot, fake_slack)
    _, body, calls = talk.command("checkin")
    assert not [c for c in calls if c.method == "views.open"]
    assert "no review in this channel yet" in body  # the command's answer, seen only by whoever typed it
    no_metrics = ANSWERS.split("metrics:")[0]
    finished_review(bot, fake_slack, no_metrics)
    _, body, _ = talk.command("checkin")
    assert "no metrics to check in yet" in body
    assert not fake_slack.calls("views.open")


# ---------------------------------------------------------------- a submission


def test_a_submission_records_the_values_and_posts_warnings_in_the_thread(
    bot: Bot, fake_slack: FakeSlack
) -> None:
    review, thread = finished_review(bot, fake_slack)
    talk = Conversation(bot, fake_slack)
    before = datetime.now(UTC)
    calls = checkin(talk, this_month(), **{SESSIONS_LABEL: "9500", COST_LABEL: "190"})

    saved = load(bot, review.id or "")
    assert saved.state is Stage.DONE
    assert [
        (e["metric"], e["period"], e["value"], e["author"]) for e in saved.answers[K_CHECKIN + "SEO audits"]
    ] == [("organic sessions per month", this_month(), 9500.0, p.USER_ID)]
    assert saved.answers[K_CHECKIN + "Blog writing"][0]["value"] == 190.0

    [warning] = in_thread(calls, thread)
    assert warning["channel"] == p.CHANNEL_ID
    assert (
        f"Organic sessions per month for SEO audits is 9,500 in {this_month()}: below the warning level of "
        "11,000 (baseline 12,000, target 15,000)." in warning.text
    )
    assert "RED" in warning.text and "Blog writing" not in warning.text  # 190 is better than 200
    assert "<!channel>" not in warning.text and "<!here>" not in warning.text
    assert ephemerals(calls) == [f"Thanks, 2 values recorded for {this_month()}."]

    # The monthly reminder: in the thread, on the first weekday of next month at 09:00 UTC.
    [scheduled] = [c for c in calls if c.method == "chat.scheduleMessage"]
    assert scheduled.ok
    post_at = datetime.fromtimestamp(int(scheduled["post_at"]), UTC)
    assert post_at == next_reminder(before)
    assert post_at > datetime.now(UTC)
    assert post_at.weekday() < 5 and post_at.day <= 3 and (post_at.hour, post_at.minute) == (9, 0)
    assert scheduled["thread_ts"] == thread and scheduled["channel"] == p.CHANNEL_ID
    assert scheduled.text == "Time for the monthly check-in on Q3 review: `/outsource-review checkin`"


def test_a_value_better_than_the_baseline_posts_nothing_in_the_thread(
    bot: Bot, fake_slack: FakeSlack
) -> None:
    _, thread = finished_review(bot, fake_slack)
    calls = checkin(Conversation(bot, fake_slack), None, **{SESSIONS_LABEL: "12500"})
    assert in_thread(calls, thread) == []
    assert ephemerals(calls) == [f"Thanks, 1 value recorded for {this_month()}."]


def test_bad_values_are_shown_in_the_form_and_nothing_is_saved(bot: Bot, fake_slack: FakeSlack) -> None:
    review, _ = finished_review(bot, fake_slack)
    talk = Conversation(bot, fake_slack)
    opened = open_modal(talk)
    view = opened.view or {}
    blocks = inputs(view)
    for period, typed, block, message in [
        ("Nov", "9500", "Month (YYYY-MM)", "is not a month; write it as YYYY-MM"),
        ("2999-01", "9500", "Month (YYYY-MM)", "2999-01 has not started yet"),
        (this_month(), "lots", SESSIONS_LABEL, "“lots” is not a number"),
        (this_month(), "", SESSIONS_LABEL, "Give at least one value."),
    ]:
        reply = bot.slack.view_submission(
            view["callback_id"],
            values_for(view, period, **{SESSIONS_LABEL: typed}),
            user_id=p.USER_ID,
            team_id=p.TEAM_ID,
            private_metadata=view["private_metadata"],
        )
        assert reply.status == 200
        answer = json.loads(reply.text)
        assert answer["response_action"] == "errors"
        assert message in answer["errors"][blocks[block]["block_id"]]
    saved = load(bot, review.id or "")
    assert not [k for k in saved.answers if k.startswith(K_CHECKIN)]
    assert not fake_slack.calls("chat.scheduleMessage")


# ---------------------------------------------------------------- amber, the reminder once, and charts


def test_amber_two_months_in_a_row_and_the_reminder_once(bot: Bot, fake_slack: FakeSlack) -> None:
    _, thread = finished_review(bot, fake_slack)
    talk = Conversation(bot, fake_slack)
    # 10% worse than 200, and at (not past) the default warning level of 220: once is not enough
    first = checkin(talk, last_month(), **{COST_LABEL: "220"})
    assert in_thread(first, thread) == []
    assert not fake_slack.uploaded_files()  # one period: no chart yet

    second = checkin(talk, this_month(), **{COST_LABEL: "220"})
    [warning] = in_thread(second, thread)
    assert "AMBER" in warning.text
    assert (
        f"Cost per post (EUR) for Blog writing is 220 in {this_month()}: 10% worse than the baseline"
        in warning.text
    )
    # Both check-ins fall before the same reminder: it is scheduled once.
    assert len(fake_slack.calls("chat.scheduleMessage")) == 1


def test_a_chart_is_uploaded_after_two_check_ins(bot: Bot, fake_slack: FakeSlack) -> None:
    _, thread = finished_review(bot, fake_slack)
    talk = Conversation(bot, fake_slack)
    checkin(talk, last_month(), **{SESSIONS_LABEL: "12100", COST_LABEL: "190"})
    assert not [f for f in fake_slack.uploaded_files() if f.filename.endswith(".png")]
    checkin(talk, this_month(), **{SESSIONS_LABEL: "9000"})  # a red warning, and the chart with it

    charts = [f for f in fake_slack.uploaded_files() if f.filename.endswith(".png")]
    assert len(charts) == 1, fake_slack.uploaded_files()  # only the metric with two periods
    chart = charts[0]
    assert chart.content.startswith(PNG_MAGIC) and len(chart.content) > 1000
    assert (chart.channel_id, chart.thread_ts) == (p.CHANNEL_ID, thread)
    assert chart.title == "SEO audits: organic sessions per month"


def test_a_review_finished_in_slack_schedules_the_first_reminder(bot: Bot, fake_slack: FakeSlack) -> None:
    talk = Conversation(bot, fake_slack)
    thread = talk.start("Q3 review")
    before = datetime.now(UTC)
    for text, user in REPLIES:
        talk.reply(text, user)
    [scheduled] = fake_slack.calls("chat.scheduleMessage")
    assert scheduled.ok
    assert (scheduled["channel"], scheduled["thread_ts"]) == (p.CHANNEL_ID, thread)
    assert datetime.fromtimestamp(int(scheduled["post_at"]), UTC) == next_reminder(before)
    assert "/outsource-review checkin" in scheduled.text


def test_reopening_a_finished_review_withdraws_its_reminder_and_finishing_schedules_it_again(
    bot: Bot, fake_slack: FakeSlack
) -> None:
    talk = Conversation(bot, fake_slack)
    talk.start("Q3 review")
    for text, user in REPLIES:
        talk.reply(text, user)
    [scheduled] = fake_slack.calls("chat.scheduleMessage")
    scheduled_id = scheduled.response["scheduled_message_id"]  # type: ignore[index]
    assert fake_slack.scheduled_messages() == [scheduled_id]

    status, _, calls = talk.command("reopen")
    assert status == 200
    [withdrawn] = [c for c in calls if c.method == "chat.deleteScheduledMessage"]
    assert withdrawn.ok and withdrawn["scheduled_message_id"] == scheduled_id
    assert withdrawn["channel"] == p.CHANNEL_ID
    assert fake_slack.scheduled_messages() == []
    assert reminders_beside(store_of(bot)).get(talk.review().id or "") is None

    talk.say("done")
    assert talk.review().state is Stage.DONE
    assert len(fake_slack.calls("chat.scheduleMessage")) == 2
    assert len(fake_slack.scheduled_messages()) == 1


def test_a_reminder_already_gone_is_forgotten_all_the_same(bot: Bot, fake_slack: FakeSlack) -> None:
    talk = Conversation(bot, fake_slack)
    talk.start("Q3 review")
    for text, user in REPLIES:
        talk.reply(text, user)
    fake_slack.fail("chat.deleteScheduledMessage", "invalid_scheduled_message_id")  # posted meanwhile
    talk.command("reopen")
    assert reminders_beside(store_of(bot)).get(talk.review().id or "") is None


def test_a_check_in_and_what_the_thread_is_told_are_saved_together_or_not_at_all(
    bot: Bot, fake_slack: FakeSlack
) -> None:
    review, _thread = finished_review(bot, fake_slack)
    talk = Conversation(bot, fake_slack)
    opened = open_modal(talk)
    values = values_for(opened.view or {}, this_month(), **{SESSIONS_LABEL: "9500"})
    engine = make_engine(bot.database_url)
    try:
        with engine.begin() as connection:  # its messages cannot be written: the values must not be either
            connection.execute(
                sql(
                    "CREATE TRIGGER no_mail BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'disk full'); END"
                )
            )
        view = opened.view or {}
        reply = bot.slack.view_submission(
            view["callback_id"], values, team_id=talk.team, private_metadata=view.get("private_metadata", "")
        )
        assert reply.status == 500  # Slack shows the person the form failed; they submit again
        assert K_CHECKIN + "SEO audits" not in load(bot, review.id or "").answers
        with engine.begin() as connection:
            connection.execute(sql("DROP TRIGGER no_mail"))
    finally:
        engine.dispose()
    calls = talk.submit(opened, values)
    assert [e["value"] for e in load(bot, review.id or "").answers[K_CHECKIN + "SEO audits"]] == [9500.0]
    assert "Thanks, 1 value recorded" in " ".join(ephemerals(calls))
