"""The fake Socket Mode server with slack_sdk's clients and slack_bolt's SocketModeHandler."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from slack_bolt import Ack, App, Say
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.socket_mode.websocket_client import SocketModeClient as WebsocketClientSocketModeClient

from tests.support import (
    FakeSlack,
    FakeSocketMode,
    events_api_envelope,
    interactive_envelope,
    payloads,
    slash_command_envelope,
)


@pytest.fixture
def bolt_app(fake_slack: FakeSlack) -> App:
    app = App(client=fake_slack.client(), signing_secret="unused-in-socket-mode")
    seen_events: list[dict[str, Any]] = []
    app.config = {"events": seen_events}  # type: ignore[attr-defined]

    @app.command("/outsource-review")
    def command(ack: Ack, command: dict[str, Any], say: Say) -> None:
        ack(f"Starting: {command['text']}")
        say(text=f"Review *{command['text']}* started")

    @app.action("step_done")
    def action(ack: Ack, body: dict[str, Any]) -> None:
        ack()

    @app.view("rate")
    def view(ack: Ack, view: dict[str, Any]) -> None:
        value = view["state"]["values"]["risk"]["risk_input"]["value"]
        if value not in "12345":
            ack(response_action="errors", errors={"risk": "Use 1 to 5"})
        else:
            ack()

    @app.event("message")
    def message(event: dict[str, Any]) -> None:
        seen_events.append(event)

    return app


@pytest.fixture
def handler(bolt_app: App, fake_socket: FakeSocketMode) -> Iterator[SocketModeHandler]:
    h = SocketModeHandler(bolt_app, app_token="xapp-1-A0TEST-1-secret")
    h.connect()
    yield h
    fake_socket.close_client(h)


def test_hello_is_sent_and_the_url_comes_from_apps_connections_open(
    fake_slack: FakeSlack, fake_socket: FakeSocketMode, handler: SocketModeHandler
) -> None:
    conn = fake_socket.wait_for_connection()
    assert conn.path.startswith("/link/?ticket=")
    assert conn.ticket == fake_socket.tickets[-1]
    assert fake_slack.last("apps.connections.open").token == "xapp-1-A0TEST-1-secret"
    assert handler.client.is_connected()


def test_slash_command_is_acked_with_its_payload(
    fake_slack: FakeSlack, fake_socket: FakeSocketMode, handler: SocketModeHandler
) -> None:
    envelope = slash_command_envelope(payloads.slash_command(text="Q3 review"))
    assert envelope["type"] == "slash_commands" and envelope["accepts_response_payload"] is True
    envelope_id = fake_socket.send_envelope(envelope)
    ack = fake_socket.wait_for_ack(envelope_id)
    assert ack == {"envelope_id": envelope_id, "payload": {"text": "Starting: Q3 review"}}
    posted = fake_slack.wait_for("chat.postMessage")
    assert posted["channel"] == payloads.CHANNEL_ID and "Q3 review" in posted.text


def test_interactive_envelopes(fake_socket: FakeSocketMode, handler: SocketModeHandler) -> None:
    ack = fake_socket.request(
        interactive_envelope(payloads.block_actions([payloads.button("step_done", "1")]))
    )
    assert "payload" not in ack

    bad = payloads.view_submission("rate", {"risk": {"risk_input": payloads.text_value("9")}})
    ack = fake_socket.request(interactive_envelope(bad))
    assert ack["payload"] == {"response_action": "errors", "errors": {"risk": "Use 1 to 5"}}


def test_events_api_envelope_with_retry_fields(
    bolt_app: App, fake_socket: FakeSocketMode, handler: SocketModeHandler
) -> None:
    callback = payloads.event_callback(payloads.message_event("Blog writing", thread_ts="1690000000.000100"))
    envelope = events_api_envelope(callback, retry_attempt=1, retry_reason="timeout")
    ack = fake_socket.request(envelope)
    assert ack == {"envelope_id": envelope["envelope_id"]}
    events = bolt_app.config["events"]  # type: ignore[attr-defined]
    deadline = time.monotonic() + 5
    while not events and time.monotonic() < deadline:
        time.sleep(0.01)
    assert events[0]["text"] == "Blog writing"


def test_disconnect_message_makes_the_client_reconnect(
    fake_slack: FakeSlack, fake_socket: FakeSocketMode, handler: SocketModeHandler
) -> None:
    first = fake_socket.wait_for_connection()
    fake_socket.send_disconnect()
    second = fake_socket.wait_for_connection(count=2)
    assert second.number == 2 and second.ticket != first.ticket
    assert fake_slack.attempts("apps.connections.open") == 2
    ack = fake_socket.request(slash_command_envelope(text="after reconnect"), timeout=5)
    assert ack["payload"]["text"] == "Starting: after reconnect"


def test_websocket_client_based_client(fake_slack: FakeSlack, fake_socket: FakeSocketMode) -> None:
    client = WebsocketClientSocketModeClient(app_token="xapp-1-test", web_client=fake_slack.client())
    got: list[SocketModeRequest] = []

    def listener(c: Any, req: SocketModeRequest) -> None:
        got.append(req)
        c.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id, payload={"text": "hi"}))

    client.socket_mode_request_listeners.append(listener)
    client.connect()
    try:
        conn = fake_socket.wait_for_connection()
        assert conn.headers["host"].startswith("127.0.0.1")
        ack = fake_socket.request(slash_command_envelope(text="ws-client"))
        assert ack["payload"] == {"text": "hi"}
        assert got[0].type == "slash_commands" and got[0].payload["text"] == "ws-client"
    finally:
        fake_socket.close_client(client)


def test_hello_message_shape() -> None:
    import websocket  # websocket-client

    with FakeSocketMode(app_id="A0XYZ") as sock:
        ws = websocket.create_connection(sock.new_url(), timeout=5)
        try:
            hello = json.loads(ws.recv())
            assert hello["type"] == "hello"
            assert hello["num_connections"] == 1
            assert hello["connection_info"] == {"app_id": "A0XYZ"}
            assert "host" in hello["debug_info"]
            env_id = sock.send_envelope(slash_command_envelope(text="raw"))
            pushed = json.loads(ws.recv())
            assert pushed["envelope_id"] == env_id and pushed["payload"]["text"] == "raw"
            ws.send(json.dumps({"envelope_id": env_id}))
            assert sock.wait_for_ack(env_id) == {"envelope_id": env_id}
            assert sock.sent()[0]["envelope_id"] == env_id
        finally:
            ws.close()


def test_wait_for_ack_times_out_with_a_useful_message(fake_socket: FakeSocketMode) -> None:
    with pytest.raises(AssertionError, match="no ack for envelope nope"):
        fake_socket.wait_for_ack("nope", timeout=0.05)


def test_starts_and_stops_quickly() -> None:
    started = time.monotonic()
    with FakeSocketMode() as sock:
        assert sock.new_url().startswith(f"ws://127.0.0.1:{sock.port}/link/?ticket=")
    assert time.monotonic() - started < 1.0
