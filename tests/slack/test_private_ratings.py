"""Ratings are private until their round closes: given in the rating form or in a direct message to the bot,
never typed in the channel thread (CONTRACT section 5). Signed requests into the real app, the fake Web API."""

from __future__ import annotations

import json

from flows.decision import decide
from flows.interview import review_input
from flows.method import FACTOR_IDS
from tests.support import FakeSlack
from tests.support import payloads as p
from tests.support.bots import Bot
from tests.support.conversation import BOB, Conversation, dm_of, ephemerals, last_question
from tests.support.fake_slack import Call

ALICE = p.USER_ID
RATE_KEY = "prioritise.rate:Blog writing"


def to_the_rating(talk: Conversation, title: str = "Q3 review", process: str = "Blog writing") -> Call:
    """A review of one process, no exclusions, equal weights: the rating question of step 6 (its post)."""
    talk.start(title)
    for text in ["skip", process, "done", "all"]:
        talk.say(text)
    for _ in range(12):
        calls = talk.say("none")
        if "Step 6 of 7" in last_question(calls).all_text():
            break
    talk.say("ok")
    rate = last_question(talk.say("skip"))
    assert "Rate “" in rate.all_text(), rate.all_text()
    return rate


def dm_posts(calls: list[Call], user: str = ALICE) -> list[str]:
    """What the bot wrote in `user`'s direct message."""
    return [c.text for c in calls if c.method == "chat.postMessage" and c["channel"] == dm_of(user)]


def thread_posts(calls: list[Call], talk: Conversation) -> list[Call]:
    return [c for c in calls if c.method == "chat.postMessage" and c["channel"] == talk.channel]


def rated(talk: Conversation, key: str = RATE_KEY) -> dict[str, object]:
    """The ratings saved so far in the open round (or the closed round's)."""
    review = talk.review()
    return dict(review.drafts.get(key) or review.answers.get(key) or {})


def values(*numbers: int) -> dict[str, int]:
    """Six ratings by factor id."""
    return dict(zip(FACTOR_IDS, numbers, strict=True))


def dm_callback(
    text: str, user: str = ALICE, event_id: str | None = None, changed: dict[str, object] | None = None
) -> dict[str, object]:
    """A direct message from `user` to the bot (its event with `changed` fields)."""
    event = p.message_event(text, user=user, channel=dm_of(user), channel_type="im", parent_user_id=None)
    return p.event_callback({**event, **(changed or {})}, event_id=event_id)


def test_a_rating_typed_in_the_thread_is_not_recorded_and_the_typist_is_told_privately(
    bot: Bot, fake_slack: FakeSlack
) -> None:
    talk = Conversation(bot, fake_slack)
    question = to_the_rating(talk)
    # The question itself says where ratings go.
    assert "Ratings are private: rate in the form, or send the bot a direct message" in question.all_text()
    version = talk.review().version
    for typed in ["2 4 2 3 5 2", "2 4", "risk 2 benefits 5"]:
        calls = talk.say(typed, BOB)
        (hint,) = ephemerals(calls)
        assert hint.startswith("Ratings are private until the round closes, so nothing typed in the thread")
        assert "To rate “Blog writing”, use *Rate privately* under the question" in hint
        assert "send me your six ratings in a direct message, like `2 4 2 3 5 2`" in hint
        (private,) = [c for c in calls if c.method == "chat.postEphemeral"]
        assert private["user"] == BOB and private["channel"] == talk.channel
        assert private["thread_ts"] == talk.thread_ts
        assert thread_posts(calls, talk) == []  # nothing in the thread for everyone
    assert rated(talk) == {} and talk.review().version == version
    assert not [r for r in talk.store.history(talk.review().id or "") if r.question == RATE_KEY]
    # The rest of the question stays answerable in the thread: `help` (saying how to rate) and `done`.
    (helped,) = ephemerals(talk.say("help"))
    assert "rate in the form, or send the bot a direct message" in helped
    (refused,) = ephemerals(talk.say("done"))
    assert "No one has rated this yet" in refused


def test_the_rating_questions_main_action_opens_the_form(bot: Bot, fake_slack: FakeSlack) -> None:
    talk = Conversation(bot, fake_slack)
    question = to_the_rating(talk)
    buttons = [e for b in question.blocks for e in b.get("elements", []) if e.get("type") == "button"]
    assert buttons[0]["text"]["text"] == "Rate privately" and buttons[0].get("style") == "primary"
    assert [b for b in buttons if b.get("style") == "primary"] == [buttons[0]]  # the one main action
    (opened,) = [c for c in talk.click(question, "Rate privately", user=BOB) if c.method == "views.open"]
    assert opened.view and opened.view["callback_id"] == "ratings_view"
    form = {
        f"factor:{f}": {"factor_value": p.select_value(str(v))} for f, v in values(1, 3, 1, 3, 4, 1).items()
    }
    talk.submit(opened, form, user=BOB)
    assert rated(talk) == {BOB: values(1, 3, 1, 3, 4, 1)}


def test_a_rating_form_slack_did_not_open_points_to_the_direct_message(
    bot: Bot, fake_slack: FakeSlack
) -> None:
    talk = Conversation(bot, fake_slack)
    question = to_the_rating(talk)
    fake_slack.fail("views.open", "expired_trigger_id")
    (said,) = ephemerals(talk.click(question, "Rate privately", user=BOB))
    assert said == (
        "Slack didn't open the form in time. Click the button again, or send me your six ratings in a direct "
        "message, like `2 4 2 3 5 2`."
    )


def test_a_dm_with_one_open_question_is_recorded_and_answered_there(bot: Bot, fake_slack: FakeSlack) -> None:
    talk = Conversation(bot, fake_slack)
    to_the_rating(talk)
    calls = talk.direct("2 4 1 3 5 1", BOB)
    assert dm_posts(calls, BOB) == ["Thanks, your ratings for “Blog writing” in *Q3 review* are in."]
    assert rated(talk) == {BOB: values(2, 4, 1, 3, 5, 1)}
    # The thread and the channel never show the values (the question shows who has rated, not what); nobody
    # else is told anything.
    for call in calls:
        assert "2 4 1 3 5 1" not in call.all_text() + json.dumps(call.args), call
        assert call.method != "chat.postEphemeral" or call["user"] == BOB, call
    # Named factors work too, and new ratings replace the earlier ones.
    calls = talk.direct(
        "risk 1, cost of not outsourcing 3, technical complexity 1, importance 3, benefits 4, "
        "vendor domain expertise needed 1",
        BOB,
    )
    assert dm_posts(calls, BOB) == [
        "Thanks, your new ratings for “Blog writing” in *Q3 review* replace your earlier ones."
    ]
    assert rated(talk)[BOB] == values(1, 3, 1, 3, 4, 1)
    # The facilitator closes the round in the thread; the next question follows there.
    calls = talk.say("done")
    assert "Step 7 of 7" in last_question(calls).all_text()


def test_a_dm_that_completes_the_round_moves_the_review_on(bot: Bot, fake_slack: FakeSlack) -> None:
    talk = Conversation(bot, fake_slack)
    to_the_rating(talk)
    # Named raters (set as an answers file or the terminal would): the round closes when both have rated.
    review = talk.review()
    with talk.store.engine.begin() as connection:
        connection.exec_driver_sql(
            "UPDATE review SET raters = ?, version = version + 1 WHERE id = ?",
            (json.dumps([ALICE, BOB]), review.id),
        )
    talk.direct("2 4 2 3 5 2", ALICE)
    calls = talk.direct("1 3 1 3 4 1", BOB)
    (thanks,) = dm_posts(calls, BOB)
    assert thanks == (
        "Thanks, your ratings for “Blog writing” in *Q3 review* are in. Everyone has rated it, so its round "
        "is closed."
    )
    assert "Step 7 of 7" in last_question(calls).all_text()  # the next question, in the thread


def test_a_dm_with_two_open_questions_asks_which(bot: Bot, fake_slack: FakeSlack) -> None:
    first = Conversation(bot, fake_slack, channel="C0FIRST")
    to_the_rating(first, "Spring review", "Blog writing")
    second = Conversation(bot, fake_slack, channel="C0SECOND")
    to_the_rating(second, "Summer review", "SEO audits")
    calls = first.direct("2 4 2 3 5 2")
    (asked,) = dm_posts(calls)
    assert asked.startswith("You have 2 rating questions open. Which one are these ratings for?")
    assert "1. “Blog writing” in *Spring review* (<#C0FIRST>)" in asked
    assert "2. “SEO audits” in *Summer review* (<#C0SECOND>)" in asked
    assert "like `1: 2 4 2 3 5 2`" in asked
    assert rated(first) == {} and rated(second, "prioritise.rate:SEO audits") == {}
    # The number first answers it...
    calls = first.direct("2: 5 5 4 4 3 3")
    assert dm_posts(calls) == ["Thanks, your ratings for “SEO audits” in *Summer review* are in."]
    assert rated(second, "prioritise.rate:SEO audits") == {ALICE: values(5, 5, 4, 4, 3, 3)}
    assert rated(first) == {}
    # ...and so does a button of the question (it names its review, whatever the list looks like by then).
    (message,) = [c for c in first.direct("1 1 2 2 3 3") if c.method == "chat.postMessage"]
    buttons = [e for b in message.blocks for e in b.get("elements", []) if e.get("type") == "button"]
    assert [b["text"]["text"] for b in buttons] == [
        "1. Blog writing (Spring review)",
        "2. SEO audits (Summer review)",
    ]
    mark = fake_slack.mark()
    reply = bot.slack.block_actions(
        [p.button(buttons[0]["action_id"], buttons[0]["value"])],
        user_id=ALICE,
        channel_id=dm_of(ALICE),
        message_ts=message.response["ts"],  # type: ignore[index]
    )
    assert reply.status == 200
    calls = first.settle(mark)
    assert dm_posts(calls) == ["Thanks, your ratings for “Blog writing” in *Spring review* are in."]
    # The question's buttons are gone once one is used (a second click cannot rate another review).
    (updated,) = [c for c in calls if c.method == "chat.update" and c["channel"] == dm_of(ALICE)]
    assert updated["ts"] == message.response["ts"] and updated["channel"] == dm_of(ALICE)  # type: ignore[index]
    assert updated.text == "Your ratings went to “Blog writing” in *Spring review*."
    assert not updated.blocks
    assert rated(first) == {ALICE: values(1, 1, 2, 2, 3, 3)}
    # A number that is not listed is refused, saying which are.
    (refused,) = dm_posts(first.direct("7: 2 4 2 3 5 2"))
    assert refused.startswith("There is no rating question 7; pick 1 to 2:")


def test_a_dm_with_nothing_to_rate(bot: Bot, fake_slack: FakeSlack) -> None:
    talk = Conversation(bot, fake_slack)
    (said,) = dm_posts(talk.direct("2 4 2 3 5 2"))
    assert said.startswith("There's nothing for you to rate right now.")
    # A review at its ratings in a channel Bob is not in is not his to rate.
    fake_slack.add_channel("C0PRIVATE", members=[ALICE])
    private = Conversation(bot, fake_slack, channel="C0PRIVATE")
    to_the_rating(private)
    (said,) = dm_posts(private.direct("2 4 2 3 5 2", BOB), BOB)
    assert said.startswith("There's nothing for you to rate right now.")
    assert rated(private) == {}


def test_a_malformed_dm_says_what_is_expected_and_records_nothing(bot: Bot, fake_slack: FakeSlack) -> None:
    talk = Conversation(bot, fake_slack)
    to_the_rating(talk)
    version = talk.review().version
    (said,) = dm_posts(talk.direct("2 4 2"))
    assert said == (
        "I need six ratings, one per factor (risk, cost of not outsourcing, technical complexity, importance, "
        "benefits, vendor domain expertise needed); you sent 3. Example: `2 4 2 3 5 2`."
    )
    (said,) = dm_posts(talk.direct("2 4 2 3 9 2"))
    assert said.startswith("Benefits: “9” must be a whole number from 1 to 5.")
    assert "Send six ratings from 1 to 5 in this order: risk," in said
    # Commands are the thread's: a DM never closes a round or goes back.
    for text in ["done", "back", "hello <!channel>"]:
        (said,) = dm_posts(talk.direct(text))
        assert "Example: `2 4 2 3 5 2`" in said or "like `2 4 2 3 5 2`" in said
        assert "<!channel>" not in said
    assert talk.review().version == version and rated(talk) == {}


def test_a_retried_dm_is_applied_once(bot: Bot, fake_slack: FakeSlack) -> None:
    talk = Conversation(bot, fake_slack)
    to_the_rating(talk)
    mark = fake_slack.mark()
    callback = dm_callback("2 4 2 3 5 2", BOB, event_id="Ev0DMRATE")
    assert bot.slack.event(callback).status == 200
    assert bot.slack.event(callback, retry_num=1, retry_reason="http_timeout").status == 200
    assert bot.slack.event(callback, retry_num=2, retry_reason="http_timeout").status == 200
    assert len(dm_posts(talk.settle(mark), BOB)) == 1
    records = [r for r in talk.store.history(talk.review().id or "") if r.question == RATE_KEY]
    assert [(r.author, r.text) for r in records] == [(BOB, "2 4 2 3 5 2")]
    # A reply that saves nothing (here: a malformed rating) is not repeated either.
    mark = fake_slack.mark()
    callback = dm_callback("2 4", BOB, event_id="Ev0DMBAD")
    bot.slack.event(callback)
    bot.slack.event(callback, retry_num=1, retry_reason="http_timeout")
    assert len(dm_posts(talk.settle(mark), BOB)) == 1


def test_the_bots_own_messages_and_edits_in_a_dm_are_ignored(bot: Bot, fake_slack: FakeSlack) -> None:
    talk = Conversation(bot, fake_slack)
    to_the_rating(talk)
    mark = fake_slack.mark()
    changes: list[dict[str, object]] = [
        {"bot_id": p.BOT_ID},
        {"subtype": "bot_message"},
        {"subtype": "message_changed"},
        {"user": p.BOT_USER_ID},
    ]
    for changed in changes:
        assert bot.slack.event(dm_callback("2 4 2 3 5 2", BOB, changed=changed)).status == 200
    assert talk.settle(mark) == [] and rated(talk) == {}


def test_the_report_is_unaffected_by_a_rating_refused_in_the_thread(bot: Bot, fake_slack: FakeSlack) -> None:
    talk = Conversation(bot, fake_slack)
    to_the_rating(talk)
    talk.say("5 5 5 5 5 5", BOB)  # in the thread: refused, not recorded
    talk.direct("1 3 1 3 4 1")  # Alice rates in private
    talk.say("done")
    talk.say("done")  # no metrics: the review finishes
    review = talk.review()
    assert review.answers[RATE_KEY] == {ALICE: values(1, 3, 1, 3, 4, 1)}
    report = decide(review_input(review))
    (task,) = report.shortlist
    assert task.process == "Blog writing"
    assert set(task.ratings) == {ALICE}
    assert not [r for r in talk.store.history(review.id or "") if r.author == BOB]


def test_the_rating_form_says_in_place_whether_the_ratings_counted(bot: Bot, fake_slack: FakeSlack) -> None:
    """Once submitted, the form itself says whether the ratings counted (Slack's answer to the submission
    updates it), privately and at once: no ephemeral in the thread, which a slow Slack would deliver late."""
    talk = Conversation(bot, fake_slack)
    question = to_the_rating(talk)
    (for_bob,) = [c for c in talk.click(question, "Rate privately", user=BOB) if c.method == "views.open"]
    (for_alice,) = [c for c in talk.click(question, "Rate privately") if c.method == "views.open"]
    form = {
        f"factor:{f}": {"factor_value": p.select_value(str(v))} for f, v in values(1, 3, 1, 3, 4, 1).items()
    }

    answer, calls = talk.submit_form(for_bob, form, user=BOB, view_id="V0BOB")
    assert answer["response_action"] == "update"
    said = answer["view"]["blocks"][0]["text"]["text"]
    assert said == f"Thanks <@{BOB}>, your ratings are in."
    assert ephemerals(calls) == []

    again, calls = talk.submit_form(for_bob, form, user=BOB, view_id="V0BOB")  # Slack sends it again
    assert again["view"]["blocks"][0]["text"]["text"] == "Thanks, your ratings are in."
    assert calls == [] and rated(talk) == {BOB: values(1, 3, 1, 3, 4, 1)}

    talk.click(question, "Close the round")
    late, calls = talk.submit_form(for_alice, form)  # opened before the round closed
    told = late["view"]["blocks"][0]["text"]["text"]
    assert "closed" in told and "Thanks" not in told, told
    assert ephemerals(calls) == [] and ALICE not in rated(talk)


def test_the_question_is_edited_when_who_has_rated_changes_not_when_someone_rates_again(
    bot: Bot, fake_slack: FakeSlack
) -> None:
    talk = Conversation(bot, fake_slack)
    question = to_the_rating(talk)

    def rate(*numbers: int) -> list[Call]:
        (opened,) = [c for c in talk.click(question, "Rate privately", user=BOB) if c.method == "views.open"]
        form = {f"factor:{f}": {"factor_value": p.select_value(str(v))} for f, v in values(*numbers).items()}
        return talk.submit(opened, form, user=BOB)

    posted_ts = (question.response or {})["ts"]

    def edits(calls: list[Call]) -> list[Call]:
        return [c for c in calls if c.method == "chat.update" and c.get("ts") == posted_ts]

    (edited,) = edits(rate(1, 3, 1, 3, 4, 1))
    assert f"Rated so far: <@{BOB}>" in json.dumps(edited.blocks)
    assert edits(rate(2, 2, 2, 2, 2, 2)) == []  # the question would show the same: not edited
    assert rated(talk) == {BOB: values(2, 2, 2, 2, 2, 2)}
