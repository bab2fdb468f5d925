"""The fake Web API answers with Slack's shapes, to the real slack_sdk WebClient."""

from __future__ import annotations

import json
import re
import time
import urllib.request

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import HeaderBlock, SectionBlock
from slack_sdk.models.views import View

from tests.support import FakeSlack, payloads


@pytest.fixture
def client(fake_slack: FakeSlack) -> WebClient:
    return fake_slack.client("xoxb-test-token")


def test_starts_and_stops_quickly() -> None:
    started = time.monotonic()
    with FakeSlack() as fake:
        assert fake.api_url.startswith("http://127.0.0.1:")
        assert fake.api_url.endswith("/api/")
    assert time.monotonic() - started < 1.0


def test_auth_test(client: WebClient, fake_slack: FakeSlack) -> None:
    r = client.auth_test()
    assert r["ok"] is True
    assert r["user_id"] == "UBOT"
    assert r["bot_id"] == "BBOT"
    assert r["team_id"] == fake_slack.team_id
    assert r["team"] == "Test team"
    assert r["url"].startswith("https://")
    call = fake_slack.last("auth.test")
    assert call.token == "xoxb-test-token"
    assert call.headers["authorization"] == "Bearer xoxb-test-token"


def test_post_message_records_and_answers(client: WebClient, fake_slack: FakeSlack) -> None:
    blocks = [HeaderBlock(text="Review"), SectionBlock(text="*Step 1 of 7*")]
    first = client.chat_postMessage(channel="C0REVIEW", text="Review started", blocks=blocks)
    second = client.chat_postMessage(channel="C0REVIEW", text="a reply", thread_ts=first["ts"])

    assert first["channel"] == "C0REVIEW"
    assert re.fullmatch(r"\d{10}\.\d{6}", first["ts"])
    assert float(second["ts"]) > float(first["ts"])
    assert first["message"]["text"] == "Review started"
    assert first["message"]["blocks"][0]["type"] == "header"
    assert first["message"]["bot_id"] == "BBOT"
    assert second["message"]["thread_ts"] == first["ts"]

    call = fake_slack.wait_for("chat.postMessage")
    assert call.text == "Review started"
    assert [b["type"] for b in call.blocks] == ["header", "section"]
    assert "Step 1 of 7" in call.all_text()
    assert [m.ts for m in fake_slack.messages("C0REVIEW", thread_ts=first["ts"])] == [
        first["ts"],
        second["ts"],
    ]


def test_form_encoded_blocks_are_decoded_on_demand(fake_slack: FakeSlack) -> None:
    client = fake_slack.client()
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}]
    client.api_call(
        "chat.postMessage", params={"channel": "C0FORM", "text": "x", "blocks": json.dumps(blocks)}
    )
    call = fake_slack.last("chat.postMessage")
    assert isinstance(call["blocks"], str)
    assert call.blocks == blocks
    assert fake_slack.messages("C0FORM")[0].blocks == blocks


def test_get_with_query_string(fake_slack: FakeSlack) -> None:
    req = urllib.request.Request(
        fake_slack.api_url + "users.info?user=U0BOB", headers={"Authorization": "Bearer xoxb-1"}
    )
    with urllib.request.urlopen(req, timeout=5) as resp:
        data = json.loads(resp.read())
    assert data["ok"] is True
    assert data["user"]["id"] == "U0BOB"
    assert fake_slack.last("users.info").http_method == "GET"


def test_update_keeps_the_message_current(client: WebClient, fake_slack: FakeSlack) -> None:
    posted = client.chat_postMessage(
        channel="C0REVIEW", text="step 1 of 7", blocks=[SectionBlock(text="one")]
    )
    updated = client.chat_update(channel="C0REVIEW", ts=posted["ts"], text="step 2 of 7")
    assert updated["ok"] and updated["channel"] == "C0REVIEW" and updated["ts"] == posted["ts"]
    assert updated["text"] == "step 2 of 7"
    msg = fake_slack.message("C0REVIEW", posted["ts"])
    assert (msg.text, msg.edits) == ("step 2 of 7", 1)
    assert msg.blocks[0]["text"]["text"] == "one"  # blocks kept when not sent, as Slack does


def test_update_of_unknown_or_foreign_message(client: WebClient, fake_slack: FakeSlack) -> None:
    with pytest.raises(SlackApiError) as e:
        client.chat_update(channel="C0REVIEW", ts="1.000001", text="x")
    assert e.value.response["error"] == "message_not_found"
    seeded = fake_slack.add_message("C0REVIEW", "a user's words", user="U0ALICE")
    with pytest.raises(SlackApiError) as e:
        client.chat_update(channel="C0REVIEW", ts=seeded.ts, text="x")
    assert e.value.response["error"] == "cant_update_message"
    mine = fake_slack.add_message("C0REVIEW", "from a previous run", user="UBOT")
    assert client.chat_update(channel="C0REVIEW", ts=mine.ts, text="resumed")["ok"]


def test_delete_ephemeral_schedule_permalink(client: WebClient, fake_slack: FakeSlack) -> None:
    posted = client.chat_postMessage(channel="C0REVIEW", text="bye")
    assert client.chat_delete(channel="C0REVIEW", ts=posted["ts"])["ts"] == posted["ts"]
    assert fake_slack.messages("C0REVIEW") == []

    eph = client.chat_postEphemeral(channel="C0REVIEW", user="U0ALICE", text="only you")
    assert eph["ok"] and eph["message_ts"]

    post_at = int(time.time()) + 3600
    sched = client.chat_scheduleMessage(channel="C0REVIEW", text="check in", post_at=post_at)
    assert sched["scheduled_message_id"].startswith("Q")
    assert sched["post_at"] == post_at and sched["channel"] == "C0REVIEW"
    with pytest.raises(SlackApiError) as e:
        client.chat_scheduleMessage(channel="C0REVIEW", text="late", post_at=int(time.time()) - 10)
    assert e.value.response["error"] == "time_in_past"
    client.chat_deleteScheduledMessage(channel="C0REVIEW", scheduled_message_id=sched["scheduled_message_id"])
    with pytest.raises(SlackApiError) as e:  # deleted already (or posted)
        client.chat_deleteScheduledMessage(
            channel="C0REVIEW", scheduled_message_id=sched["scheduled_message_id"]
        )
    assert e.value.response["error"] == "invalid_scheduled_message_id"

    link = client.chat_getPermalink(channel="C0REVIEW", message_ts="1700000000.000100")
    assert link["permalink"].endswith("/archives/C0REVIEW/p1700000000000100")


def test_message_validation(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as e, pytest.warns(UserWarning, match="top-level `text`"):
        client.chat_postMessage(channel="C0REVIEW", blocks=[])
    assert e.value.response["error"] == "no_text"
    with pytest.raises(SlackApiError) as e:
        client.chat_postMessage(channel="#marketing", text="by name")
    assert e.value.response["error"] == "channel_not_found"
    too_many = [{"type": "divider"}] * 51
    with pytest.raises(SlackApiError) as e:
        client.chat_postMessage(channel="C0REVIEW", text="x", blocks=too_many)
    assert e.value.response["error"] == "invalid_blocks"
    assert "must be less than 51 items" in e.value.response["errors"][0]
    long_section = [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}]
    with pytest.raises(SlackApiError) as e:
        client.chat_postMessage(channel="C0REVIEW", text="x", blocks=long_section)
    assert e.value.response["error"] == "invalid_blocks"
    dup = [
        {"type": "section", "block_id": "a", "text": {"type": "mrkdwn", "text": "1"}},
        {"type": "section", "block_id": "a", "text": {"type": "mrkdwn", "text": "2"}},
    ]
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="C0REVIEW", text="x", blocks=dup)


def test_lenient_mode_accepts_what_strict_refuses(fake_slack: FakeSlack) -> None:
    fake_slack.strict_blocks = False
    r = fake_slack.client().chat_postMessage(channel="C0REVIEW", text="x", blocks=[{"type": "divider"}] * 51)
    assert r["ok"]


def test_views_open_update_push_publish(client: WebClient, fake_slack: FakeSlack) -> None:
    modal = View(
        type="modal",
        callback_id="rate",
        title="Rate SEO audits",
        submit="Save",
        private_metadata='{"review": 1}',
        blocks=[SectionBlock(text="Rate each factor")],
    )
    opened = client.views_open(trigger_id=payloads.new_trigger_id(), view=modal)
    view = opened["view"]
    assert view["id"].startswith("V")
    assert view["callback_id"] == "rate"
    assert view["private_metadata"] == '{"review": 1}'
    assert view["state"] == {"values": {}}
    assert view["hash"]
    assert fake_slack.last("views.open").view == modal.to_dict()

    modal = View(type="modal", callback_id="rate", title="Rate (2/3)", blocks=[SectionBlock(text="Next")])
    updated = client.views_update(view_id=view["id"], view=modal, hash=view["hash"])
    assert updated["view"]["id"] == view["id"]
    assert updated["view"]["title"]["text"] == "Rate (2/3)"
    with pytest.raises(SlackApiError) as e:
        client.views_update(view_id=view["id"], view=modal, hash="stale-hash")
    assert e.value.response["error"] == "hash_conflict"
    with pytest.raises(SlackApiError) as e:
        client.views_update(view_id="VNOPE", view=modal)
    assert e.value.response["error"] == "not_found"

    pushed = client.views_push(trigger_id=payloads.new_trigger_id(), view=modal)
    assert pushed["view"]["id"] != view["id"]

    home = client.views_publish(user_id="U0ALICE", view={"type": "home", "blocks": [{"type": "divider"}]})
    assert home["view"]["type"] == "home"
    assert fake_slack.home_view("U0ALICE") == home["view"]


def test_view_validation(client: WebClient) -> None:
    long_title = {"type": "modal", "title": {"type": "plain_text", "text": "x" * 25}, "blocks": []}
    with pytest.raises(SlackApiError) as e:
        client.views_open(trigger_id="1.2.3", view=long_title)
    assert e.value.response["error"] == "invalid_arguments"
    assert "title" in e.value.response["response_metadata"]["messages"][0]
    with pytest.raises(SlackApiError):
        client.views_open(
            trigger_id="1.2.3",
            view={
                "type": "modal",
                "title": {"type": "plain_text", "text": "t"},
                "blocks": [],
                "private_metadata": "m" * 3001,
            },
        )


def test_conversations_and_users(client: WebClient, fake_slack: FakeSlack) -> None:
    info = client.conversations_info(channel="C0REVIEW")["channel"]
    assert info["id"] == "C0REVIEW"
    assert info["is_member"] is True and info["is_archived"] is False and info["is_private"] is False
    assert isinstance(info["name"], str)
    fake_slack.add_channel("G0SECRET", "secret-reviews", members=["U0ALICE", "U0BOB"])
    private = client.conversations_info(channel="G0SECRET")["channel"]
    assert private["is_private"] is True and private["name"] == "secret-reviews"
    members = client.conversations_members(channel="G0SECRET")
    assert members["members"] == ["UBOT", "U0ALICE", "U0BOB"]
    assert members["response_metadata"]["next_cursor"] == ""

    fake_slack.set_user("U0ADMIN", "ada", is_admin=True)
    admin = client.users_info(user="U0ADMIN")["user"]
    assert (admin["id"], admin["name"], admin["is_admin"]) == ("U0ADMIN", "ada", True)
    plain = client.users_info(user="U0ALICE")["user"]
    assert plain["is_admin"] is False and plain["is_bot"] is False
    assert client.users_info(user="UBOT")["user"]["is_bot"] is True
    with pytest.raises(SlackApiError) as e:
        client.users_info(user="alice")
    assert e.value.response["error"] == "user_not_found"


def test_replies_and_history(client: WebClient, fake_slack: FakeSlack) -> None:
    parent = client.chat_postMessage(channel="C0REVIEW", text="kickoff")
    fake_slack.add_message("C0REVIEW", "Blog writing", user="U0ALICE", thread_ts=parent["ts"])
    replies = client.conversations_replies(channel="C0REVIEW", ts=parent["ts"])["messages"]
    assert [m["text"] for m in replies] == ["kickoff", "Blog writing"]
    history = client.conversations_history(channel="C0REVIEW")["messages"]
    assert [m["text"] for m in history] == ["kickoff"]


def test_replies_after_a_moment_a_page_at_a_time(client: WebClient, fake_slack: FakeSlack) -> None:
    parent = client.chat_postMessage(channel="C0REVIEW", text="kickoff")
    said = [
        fake_slack.add_message("C0REVIEW", f"reply {i}", user="U0ALICE", thread_ts=parent["ts"]).ts
        for i in range(5)
    ]
    after = client.conversations_replies(channel="C0REVIEW", ts=parent["ts"], oldest=said[1], limit=2)
    assert [m["text"] for m in after["messages"]] == ["kickoff", "reply 2", "reply 3"]
    assert after["has_more"] is True
    cursor = after["response_metadata"]["next_cursor"]
    rest = client.conversations_replies(
        channel="C0REVIEW", ts=parent["ts"], oldest=said[1], limit=2, cursor=cursor
    )
    assert [m["text"] for m in rest["messages"]] == ["kickoff", "reply 4"] and rest["has_more"] is False
    inclusive = client.conversations_replies(
        channel="C0REVIEW", ts=parent["ts"], oldest=said[3], latest=said[4], inclusive=True
    )
    assert [m["text"] for m in inclusive["messages"]] == ["kickoff", "reply 3", "reply 4"]


def test_unknown_method(client: WebClient, fake_slack: FakeSlack) -> None:
    with pytest.raises(SlackApiError) as e:
        client.api_call("nope.nothing")
    assert e.value.response.status_code == 200
    assert e.value.response["error"] == "unknown_method"
    assert fake_slack.last("nope.nothing").error == "unknown_method"


def test_custom_handler(client: WebClient, fake_slack: FakeSlack) -> None:
    fake_slack.on("bookmarks.add", lambda call: {"bookmark": {"title": call["title"]}})
    assert client.api_call("bookmarks.add", params={"title": "Report"})["bookmark"] == {"title": "Report"}


def test_wait_for_predicate_since_and_timeout(client: WebClient, fake_slack: FakeSlack) -> None:
    client.chat_postMessage(channel="C0REVIEW", text="one")
    mark = fake_slack.mark()
    client.chat_postMessage(channel="C0REVIEW", text="two")
    assert fake_slack.wait_for("chat.postMessage", since=mark).text == "two"
    assert fake_slack.wait_for("chat.postMessage", lambda c: c.text == "one").text == "one"
    with pytest.raises(AssertionError, match=r"no matching chat\.update"):
        fake_slack.wait_for("chat.update", timeout=0.05)


def test_wait_for_a_call_made_later_from_another_thread(fake_slack: FakeSlack) -> None:
    import threading

    client = fake_slack.client()
    timer = threading.Timer(0.1, lambda: client.chat_postMessage(channel="C0REVIEW", text="late"))
    timer.start()
    try:
        assert fake_slack.wait_for("chat.postMessage", timeout=5).text == "late"
    finally:
        timer.join()


def test_reset(client: WebClient, fake_slack: FakeSlack) -> None:
    client.chat_postMessage(channel="C0REVIEW", text="x")
    fake_slack.fail("auth.test")
    fake_slack.reset()
    assert fake_slack.calls() == [] and fake_slack.messages() == []
    assert client.auth_test()["ok"]
    assert client.chat_postMessage(channel="C0REVIEW", text="x")["ok"]


def test_response_url_is_served_and_recorded(fake_slack: FakeSlack) -> None:
    from slack_sdk.webhook import WebhookClient

    url = fake_slack.response_url()
    resp = WebhookClient(url).send(text="Review cancelled", replace_original=True)
    assert (resp.status_code, resp.body) == (200, "ok")
    call = fake_slack.wait_for("response_url")
    assert call["text"] == "Review cancelled" and call["replace_original"] is True
    assert call.path.startswith("/response/")
