"""Fault injection, the channel model, tokens and OAuth, seen through the real slack_sdk WebClient."""

from __future__ import annotations

import time

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler, ServerErrorRetryHandler

from tests.support import FakeSlack


def test_fail_answers_slack_error_json_then_recovers(fake_slack: FakeSlack) -> None:
    client = fake_slack.client()
    fake_slack.fail("chat.postMessage", error="msg_blocks_too_long", times=2, detail="extra field")
    for _ in range(2):
        with pytest.raises(SlackApiError) as e:
            client.chat_postMessage(channel="C0REVIEW", text="x")
        assert e.value.response.status_code == 200
        assert e.value.response["error"] == "msg_blocks_too_long"
        assert e.value.response["detail"] == "extra field"
    assert client.chat_postMessage(channel="C0REVIEW", text="x")["ok"]
    assert fake_slack.attempts("chat.postMessage") == 3
    assert [c.ok for c in fake_slack.calls("chat.postMessage")] == [False, False, True]
    assert len(fake_slack.calls("chat.postMessage", ok=False)) == 2


def test_fail_until_cleared(fake_slack: FakeSlack) -> None:
    client = fake_slack.client()
    fake_slack.fail("auth.test", error="fatal_error", times=None)
    for _ in range(3):
        with pytest.raises(SlackApiError):
            client.auth_test()
    fake_slack.clear_faults()
    assert client.auth_test()["ok"]


def test_rate_limit_without_retry_handler_raises_429(fake_slack: FakeSlack) -> None:
    client = fake_slack.client()
    fake_slack.rate_limit("chat.postMessage", retry_after=7)
    with pytest.raises(SlackApiError) as e:
        client.chat_postMessage(channel="C0REVIEW", text="x")
    assert e.value.response.status_code == 429
    assert e.value.response["error"] == "ratelimited"
    assert e.value.response.headers["Retry-After"] == "7"
    assert fake_slack.attempts("chat.postMessage") == 1


def test_rate_limit_is_retried_by_the_retry_handler(fake_slack: FakeSlack) -> None:
    client = fake_slack.client(retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)])
    fake_slack.rate_limit("chat.postMessage", retry_after=0)
    started = time.monotonic()
    r = client.chat_postMessage(channel="C0REVIEW", text="after a 429")
    assert r["ok"] and r["message"]["text"] == "after a 429"
    assert fake_slack.attempts("chat.postMessage") == 2
    first, second = fake_slack.calls("chat.postMessage")
    assert (first.status, second.status) == (429, 200)
    assert time.monotonic() - started < 3


def test_server_error_and_its_retry(fake_slack: FakeSlack) -> None:
    fake_slack.server_error("conversations.info", status=503)
    with pytest.raises(SlackApiError) as e:
        fake_slack.client().conversations_info(channel="C0REVIEW")
    assert e.value.response.status_code == 503

    fake_slack.server_error("conversations.info", status=500, body="upstream connect error")
    retrying = fake_slack.client(retry_handlers=[ServerErrorRetryHandler(max_retry_count=1)])
    assert retrying.conversations_info(channel="C0REVIEW")["ok"]
    assert fake_slack.attempts("conversations.info") == 3


def test_bot_removed_from_channel(fake_slack: FakeSlack) -> None:
    client = fake_slack.client()
    posted = client.chat_postMessage(channel="C0REVIEW", text="kickoff")
    fake_slack.remove_bot_from("C0REVIEW")
    for call in (
        lambda: client.chat_postMessage(channel="C0REVIEW", text="x"),
        lambda: client.chat_update(channel="C0REVIEW", ts=posted["ts"], text="x"),
    ):
        with pytest.raises(SlackApiError) as e:
            call()
        assert e.value.response["error"] == "not_in_channel"
    assert client.conversations_info(channel="C0REVIEW")["channel"]["is_member"] is False
    assert client.chat_postMessage(channel="C0OTHER", text="elsewhere")["ok"]
    fake_slack.add_bot_to("C0REVIEW")
    assert client.chat_postMessage(channel="C0REVIEW", text="back")["ok"]


def test_archived_channel(fake_slack: FakeSlack) -> None:
    client = fake_slack.client()
    fake_slack.archive("C0OLD")
    assert client.conversations_info(channel="C0OLD")["channel"]["is_archived"] is True
    with pytest.raises(SlackApiError) as e:
        client.chat_postMessage(channel="C0OLD", text="x")
    assert e.value.response["error"] == "is_archived"


@pytest.mark.parametrize(
    ("token", "error"),
    [(None, "not_authed"), ("", "not_authed"), ("bogus", "invalid_auth"), ("xoxq-1", "invalid_auth")],
)
def test_bad_tokens(fake_slack: FakeSlack, token: str | None, error: str) -> None:
    client = WebClient(token=token, base_url=fake_slack.api_url)
    with pytest.raises(SlackApiError) as e:
        client.auth_test()
    assert e.value.response["error"] == error


def test_valid_tokens_and_revocation(fake_slack: FakeSlack) -> None:
    fake_slack.valid_tokens = {"xoxb-good"}
    with pytest.raises(SlackApiError) as e:
        fake_slack.client("xoxb-other").auth_test()
    assert e.value.response["error"] == "invalid_auth"
    good = fake_slack.client("xoxb-good")
    assert good.auth_test()["ok"]
    fake_slack.revoke("xoxb-good")
    with pytest.raises(SlackApiError) as e:
        good.chat_postMessage(channel="C0REVIEW", text="x")
    assert e.value.response["error"] == "token_revoked"


def test_auth_revoke_revokes_the_calling_token(fake_slack: FakeSlack) -> None:
    client = fake_slack.client("xoxb-leaving")
    assert client.auth_revoke(test=True)["revoked"] is False
    assert client.auth_revoke()["revoked"] is True
    with pytest.raises(SlackApiError) as e:
        client.auth_test()
    assert e.value.response["error"] == "token_revoked"


def test_token_types(fake_slack: FakeSlack) -> None:
    with pytest.raises(SlackApiError) as e:
        fake_slack.client("xoxb-bot").apps_connections_open(app_token="xoxb-bot")
    assert e.value.response["error"] == "not_allowed_token_type"
    with pytest.raises(SlackApiError) as e:
        fake_slack.client("xapp-1-app").chat_postMessage(channel="C0REVIEW", text="x")
    assert e.value.response["error"] == "not_allowed_token_type"
    user = fake_slack.client("xoxp-user").auth_test()
    assert user["user_id"] == "U0ALICE" and "bot_id" not in user


def test_apps_connections_open(fake_slack: FakeSlack) -> None:
    client = WebClient(base_url=fake_slack.api_url)
    default = client.apps_connections_open(app_token="xapp-1-test")["url"]
    assert default.startswith("ws://127.0.0.1:9/link/?ticket=")  # nothing listens there; never real Slack
    fake_slack.socket_url = "ws://127.0.0.1:1234/link/?ticket=t&app_id=A0TEST"
    assert client.apps_connections_open(app_token="xapp-1-test")["url"].endswith("ticket=t&app_id=A0TEST")
    counter = iter(range(100))
    fake_slack.socket_url = lambda: f"ws://127.0.0.1:1234/link/?ticket={next(counter)}"
    urls = {client.apps_connections_open(app_token="xapp-1-test")["url"] for _ in range(2)}
    assert len(urls) == 2


def test_oauth_v2_access(fake_slack: FakeSlack) -> None:
    fake_slack.client_id, fake_slack.client_secret = "111.222", "shh"
    fake_slack.oauth_team = ("T0OTHER", "Other team")
    client = WebClient(base_url=fake_slack.api_url)
    r = client.oauth_v2_access(
        client_id="111.222", client_secret="shh", code="c0de", redirect_uri="https://x/y"
    )
    assert r["access_token"].startswith("xoxb-")
    assert r["token_type"] == "bot"
    assert "chat:write" in r["scope"].split(",")
    assert (r["bot_user_id"], r["app_id"]) == ("UBOT", "A0TEST")
    assert r["team"] == {"id": "T0OTHER", "name": "Other team"}
    assert r["enterprise"] is None
    assert r["authed_user"] == {"id": "U0ALICE"}
    assert "refresh_token" not in r
    # the issued token belongs to the installing team
    assert fake_slack.client(r["access_token"]).auth_test()["team_id"] == "T0OTHER"

    with pytest.raises(SlackApiError) as e:  # codes are single-use
        client.oauth_v2_access(client_id="111.222", client_secret="shh", code="c0de")
    assert e.value.response["error"] == "invalid_code"
    with pytest.raises(SlackApiError) as e:
        client.oauth_v2_access(client_id="111.222", client_secret="wrong", code="c0de2")
    assert e.value.response["error"] == "bad_client_secret"
    with pytest.raises(SlackApiError) as e:
        client.oauth_v2_access(client_id="999", client_secret="shh", code="c0de3")
    assert e.value.response["error"] == "invalid_client_id"


def test_oauth_v2_access_with_token_rotation(fake_slack: FakeSlack) -> None:
    fake_slack.token_rotation = True
    fake_slack.valid_tokens = set()  # only issued tokens are valid
    client = WebClient(base_url=fake_slack.api_url)
    r = client.oauth_v2_access(client_id="1", client_secret="2", code="abc")
    assert r["access_token"].startswith("xoxe.xoxb-")
    assert r["refresh_token"].startswith("xoxe-1-")
    assert r["expires_in"] == 43_200
    assert fake_slack.client(r["access_token"]).auth_test()["bot_id"] == "BBOT"
    refreshed = client.oauth_v2_access(
        client_id="1", client_secret="2", grant_type="refresh_token", refresh_token=r["refresh_token"]
    )
    assert refreshed["access_token"] != r["access_token"]
    with pytest.raises(SlackApiError) as e:
        client.oauth_v2_access(
            client_id="1", client_secret="2", grant_type="refresh_token", refresh_token="xoxe-1-x"
        )
    assert e.value.response["error"] == "invalid_refresh_token"
