"""Named raters: picked on the kickoff (or `raters @ana @ben`), each round shows who has rated and who is still
missing, closes by itself when the last one rates, and `status` and App Home say the same."""

from __future__ import annotations

from typing import Any

from tests.support import payloads as p
from tests.support.conversation import BOB, Conversation, Slack, ephemerals, last_question, shared_bot
from tests.support.fake_slack import Call

slack = shared_bot("raters")
FACTORS = ["risk", "consequences", "tech_complexity", "importance", "benefits", "vendor_expertise"]


def users_picked(block_id: str, users: list[str]) -> dict[str, Any]:
    return {
        "type": "multi_users_select",
        "action_id": "raters",
        "block_id": block_id,
        "selected_users": users,
        "action_ts": p.new_ts(),
    }


def kickoff_picker(talk: Conversation) -> dict[str, Any]:
    kickoff = talk.fake.message(talk.channel, talk.thread_ts or "")
    (block,) = [b for b in kickoff.blocks if (b.get("accessory") or {}).get("action_id") == "raters"]
    return block


def to_the_first_rating(talk: Conversation) -> Call:
    """One process, no exclusions, equal weights, no service level: its rating question."""
    for text in ["skip", "Blog writing", "done", "all", *["none"] * 12, "ok"]:
        talk.say(text)
    return last_question(talk.say("skip"))


def rate_in_the_form(talk: Conversation, question: Call, user: str) -> list[Call]:
    opened = next(c for c in talk.click(question, "Rate privately", user=user) if c.method == "views.open")
    values = {f"factor:{f}": {"factor_value": p.select_value("3")} for f in FACTORS}
    return talk.submit(opened, values, user=user)


def test_the_facilitator_picks_the_raters_on_the_kickoff(slack: Slack) -> None:
    talk = slack.talk()
    talk.start("Picked")
    block = kickoff_picker(talk)
    assert "Who rates in step 6?" in block["text"]["text"]

    mark = slack.fake.mark()
    reply = slack.bot.slack.block_actions(
        [users_picked(block["block_id"], [BOB])], user_id=BOB, channel_id=talk.channel, team_id=talk.team
    )
    assert reply.status == 200
    assert any("Only the facilitator" in t for t in ephemerals(talk.settle(mark)))
    assert talk.review().raters == []

    mark = slack.fake.mark()
    action = users_picked(block["block_id"], [p.USER_ID, BOB])
    reply = slack.bot.slack.block_actions([action], channel_id=talk.channel, team_id=talk.team)
    assert reply.status == 200
    talk.settle(mark)
    assert talk.review().raters == [p.USER_ID, BOB]
    block = kickoff_picker(talk)
    assert f"*Raters:* <@{p.USER_ID}>, <@{BOB}>" in block["text"]["text"]
    assert block["accessory"]["initial_users"] == [p.USER_ID, BOB]


def test_a_round_shows_who_is_missing_and_closes_by_itself(slack: Slack) -> None:
    talk = slack.talk()
    talk.start("Rounds")
    question = to_the_first_rating(talk)
    calls = talk.say(f"raters <@{p.USER_ID}> and <@{BOB}>", markup=True)
    assert "Each round closes by itself" in " ".join(ephemerals(calls) + [c.all_text() for c in calls])

    rate_in_the_form(talk, question, p.USER_ID)
    shown = slack.fake.message(talk.channel, str(question.response["ts"])).blocks
    text = str(shown)
    assert f"Rated so far: <@{p.USER_ID}> · waiting for <@{BOB}>" in text
    assert any(b.get("type") == "actions" for b in shown), "the round is still open"

    status = talk.command("status")[1]
    assert f"Rating “Blog writing”: Rated so far: <@{p.USER_ID}> · waiting for <@{BOB}>" in status
    mark = slack.fake.mark()
    assert slack.bot.slack.event(p.app_home_opened_event(p.USER_ID)).status == 200
    home = str(slack.fake.wait_for("views.publish", since=mark).args)
    assert f"waiting for <@{BOB}>" in home

    calls = rate_in_the_form(talk, question, BOB)
    assert "Step 7 of 7" in last_question(calls).all_text(), "the last rater's form closed the round"
    closed = slack.fake.message(talk.channel, str(question.response["ts"])).blocks
    assert not any(b.get("type") == "actions" for b in closed)
    assert talk.review().answers["prioritise.rate:Blog writing"].keys() == {p.USER_ID, BOB}


def test_without_raters_the_facilitator_still_closes_the_round(slack: Slack) -> None:
    talk = slack.talk()
    talk.start("Unnamed")
    question = to_the_first_rating(talk)
    rate_in_the_form(talk, question, BOB)
    assert "Step 6 of 7" in last_question(slack.fake.calls()).all_text()
    calls = talk.say("done")
    assert "Step 7 of 7" in last_question(calls).all_text()


def test_ratings_by_direct_message_update_the_round_and_close_it(slack: Slack) -> None:
    talk = slack.talk()
    talk.start("By DM")
    question = to_the_first_rating(talk)
    posted = str(question.response["ts"])
    talk.say(f"raters <@{p.USER_ID}> <@{BOB}>", markup=True)
    shown = str(slack.fake.message(talk.channel, posted).blocks)
    assert "closes by itself once everyone named has rated" in shown
    assert f"waiting for <@{p.USER_ID}>, <@{BOB}>" in shown

    talk.rate("1 4 1 3 5 1", p.USER_ID)
    shown = str(slack.fake.message(talk.channel, posted).blocks)
    assert f"Rated so far: <@{p.USER_ID}> · waiting for <@{BOB}>" in shown
    assert "1 4 1 3 5 1" not in shown  # who has rated, never what

    talk.rate("3 3 3 3 3 3", BOB)
    closed = slack.fake.message(talk.channel, posted).blocks
    assert not any(b.get("type") == "actions" for b in closed)
    assert closed[-1]["elements"][0]["text"] == "✓ Round closed."
    assert "Step 7 of 7" in last_question(slack.fake.calls()).all_text()
