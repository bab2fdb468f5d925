"""The signed-request helper: its signatures pass slack_sdk's SignatureVerifier and a real Bolt app over HTTP."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import ThreadingMixIn
from typing import Any
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from slack_bolt import Ack, App, Respond
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk.signature import SignatureVerifier

from tests.support import FakeSlack, SignedClient, Signing, payloads, signature

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


@dataclass
class Seen:
    path: str
    headers: dict[str, str]
    body: bytes


class _Recorder(BaseHTTPRequestHandler):
    server: _RecordingServer

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.seen.append(Seen(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
        data = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _RecordingServer(ThreadingHTTPServer):
    daemon_threads = True
    seen: list[Seen]


@pytest.fixture
def recorder() -> Iterator[_RecordingServer]:
    server = _RecordingServer(("127.0.0.1", 0), _Recorder)
    server.seen = []
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _client(server: ThreadingHTTPServer | WSGIServer, **kwargs: Any) -> SignedClient:
    return SignedClient(f"http://127.0.0.1:{server.server_address[1]}", SECRET, **kwargs)


def _verifies(seen: Seen) -> bool:
    return SignatureVerifier(SECRET).is_valid_request(seen.body, seen.headers)


def test_signature_matches_slacks_documented_example() -> None:
    # the example from Slack's "Verifying requests from Slack" guide
    body = (
        "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"
        "&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text="
        "&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
        "&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
    )
    expected = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
    assert signature(SECRET, 1531420618, body) == expected


def test_slash_command_form_is_signed(recorder: _RecordingServer) -> None:
    reply = _client(recorder).slash_command("Q3 review", channel_id="C0OTHER")
    assert reply.status == 200 and reply.json() == {"ok": True}
    (seen,) = recorder.seen
    assert seen.path == "/slack/events"
    assert seen.headers["content-type"] == "application/x-www-form-urlencoded"
    assert _verifies(seen)
    fields = {k: v[0] for k, v in parse_qs(seen.body.decode(), keep_blank_values=True).items()}
    assert fields["command"] == "/outsource-review" and fields["text"] == "Q3 review"
    assert fields["channel_id"] == "C0OTHER"
    for name in (
        "user_id",
        "user_name",
        "channel_name",
        "team_id",
        "team_domain",
        "response_url",
        "trigger_id",
        "api_app_id",
    ):
        assert fields[name], name


def test_interaction_payloads_are_signed_forms(recorder: _RecordingServer) -> None:
    client = _client(recorder)
    client.block_actions(
        [payloads.static_select("pick", "seo")], message_ts="1700000000.000100", thread_ts="1700000000.000100"
    )
    client.view_submission("rate", {"risk": {"risk_input": payloads.text_value("2")}}, private_metadata="m")
    client.view_closed("rate")
    client.block_suggestion("process_search", "blo")
    kinds = []
    for seen in recorder.seen:
        assert _verifies(seen)
        payload = json.loads(parse_qs(seen.body.decode())["payload"][0])
        kinds.append(payload["type"])
    assert kinds == ["block_actions", "view_submission", "view_closed", "block_suggestion"]
    actions = json.loads(parse_qs(recorder.seen[0].body.decode())["payload"][0])
    assert actions["actions"][0]["selected_option"]["value"] == "seo"
    assert actions["container"]["thread_ts"] == "1700000000.000100"
    assert actions["message"]["ts"] == "1700000000.000100"
    submission = json.loads(parse_qs(recorder.seen[1].body.decode())["payload"][0])
    assert submission["view"]["state"]["values"]["risk"]["risk_input"]["value"] == "2"
    assert submission["view"]["private_metadata"] == "m"


def test_event_callback_with_retry_headers(recorder: _RecordingServer) -> None:
    _client(recorder).event(
        payloads.app_mention_event("status"), event_id="Ev123", retry_num=2, retry_reason="http_timeout"
    )
    (seen,) = recorder.seen
    assert _verifies(seen)
    assert seen.headers["content-type"] == "application/json"
    assert (seen.headers["x-slack-retry-num"], seen.headers["x-slack-retry-reason"]) == ("2", "http_timeout")
    body = json.loads(seen.body)
    assert body["type"] == "event_callback" and body["event_id"] == "Ev123"
    assert body["event"]["type"] == "app_mention"
    assert body["authorizations"][0]["user_id"] == "UBOT"


@pytest.mark.parametrize("signing", [Signing.FORGED, Signing.STALE, Signing.UNSIGNED, Signing.TAMPERED])
def test_bad_signings_do_not_verify(recorder: _RecordingServer, signing: Signing) -> None:
    _client(recorder).slash_command("x", signing=signing)
    (seen,) = recorder.seen
    assert not _verifies(seen)
    if signing is Signing.UNSIGNED:
        assert "x-slack-signature" not in seen.headers


# ------------------------------------------------------------------------------------------------------------
# against a real Bolt app served over HTTP (WSGI adapter on wsgiref)


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def bolt_server(fake_slack: FakeSlack) -> Iterator[WSGIServer]:
    app = App(client=fake_slack.client(), signing_secret=SECRET)

    @app.command("/outsource-review")
    def command(ack: Ack, command: dict[str, Any], respond: Respond) -> None:
        ack(f"ok: {command['text']}")
        respond(f"responded: {command['text']}")

    @app.event("app_mention")
    def mention(event: dict[str, Any]) -> None:
        pass

    handler = SlackRequestHandler(app)
    server = make_server(
        "127.0.0.1", 0, handler, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler
    )
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_bolt_accepts_a_signed_slash_command_and_respond_reaches_the_fake(
    bolt_server: WSGIServer, fake_slack: FakeSlack
) -> None:
    client = _client(bolt_server, response_url=fake_slack.response_url)
    reply = client.slash_command("Q3 review")
    assert reply.status == 200
    assert reply.text == "ok: Q3 review"
    assert fake_slack.wait_for("response_url")["text"] == "responded: Q3 review"


@pytest.mark.parametrize("signing", [Signing.FORGED, Signing.STALE, Signing.UNSIGNED, Signing.TAMPERED])
def test_bolt_refuses_bad_signatures(bolt_server: WSGIServer, signing: Signing) -> None:
    reply = _client(bolt_server).slash_command("x", signing=signing)
    assert reply.status == 401


def test_bolt_url_verification_and_events(bolt_server: WSGIServer) -> None:
    client = _client(bolt_server)
    reply = client.url_verification("challenge-abc")
    assert reply.status == 200 and reply.json() == {"challenge": "challenge-abc"}
    assert client.event(payloads.app_mention_event("help"), retry_num=1).status == 200
    assert client.event(payloads.app_mention_event("help"), signing=Signing.FORGED).status == 401
