"""A local Socket Mode server (Slack's ``wss://wss-primary.slack.com/link/...`` side), for Socket Mode tests.

    with FakeSlack() as api, FakeSocketMode() as sock:
        api.socket_url = sock.new_url          # apps.connections.open hands out this server's ws:// URL
        handler = SocketModeHandler(app, "xapp-1-test")   # app.client has base_url=api.api_url
        handler.connect()
        sock.wait_for_connection()
        envelope_id = sock.send_envelope(slash_command_envelope(payloads.slash_command(text="help")))
        ack = sock.wait_for_ack(envelope_id)

It runs the ``websockets`` asyncio server in a background thread on 127.0.0.1 and a free port. Each
connection first gets Slack's ``{"type": "hello", ...}`` message; the test then pushes envelopes and reads the
acknowledgements (``{"envelope_id": ..., "payload": ...}``) the client sends back.

Works with slack_sdk's builtin client (``slack_sdk.socket_mode.builtin``, which slack_bolt's
``SocketModeHandler`` uses): that client writes the handshake itself, sends ``GET <path>?<query>`` with a
``Host`` header without the port and does not negotiate compression, so URLs here always carry a path and a
query, and compression is off. It also works with the ``websocket-client`` based client
(``slack_sdk.socket_mode.websocket_client``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from tests.support import payloads as p


@dataclass
class SocketConnection:
    """One client connection to the fake."""

    number: int
    path: str
    """Request path with query, e.g. ``/link/?ticket=...&app_id=A0TEST``."""
    headers: dict[str, str]
    """Handshake request headers, lower-case names."""
    opened_at: float
    closed: bool = False
    close_code: int | None = None
    warned: bool = False
    """A ``disconnect`` message was sent: the next new connection makes the server close this one."""
    _ws: ServerConnection | None = field(default=None, repr=False)

    @property
    def ticket(self) -> str | None:
        from urllib.parse import parse_qs, urlsplit

        values = parse_qs(urlsplit(self.path).query).get("ticket")
        return values[0] if values else None


@dataclass
class Received:
    """A text message a client sent (normally an ack)."""

    connection: int
    raw: str
    data: dict[str, Any] | None
    time: float


class FakeSocketMode:
    """The fake Socket Mode WebSocket server. Use as a context manager or ``start()`` / ``stop()``."""

    def __init__(
        self, *, app_id: str = p.APP_ID, send_hello: bool = True, host_in_debug: str = "applink-fake"
    ):
        self.app_id = app_id
        self.send_hello = send_hello
        self.host_in_debug = host_in_debug
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: Server | None = None
        self._port = 0
        self._connections: list[SocketConnection] = []
        self._received: list[Received] = []
        self._sent: list[dict[str, Any]] = []
        self._tasks: set[asyncio.Future[None]] = set()
        self.tickets: list[str] = []
        """Tickets handed out by :meth:`new_url`, oldest first."""

    # ----------------------------------------------------------------------------------------------------
    # lifecycle

    def start(self) -> Self:
        if self._loop is not None:
            return self
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._thread = threading.Thread(target=loop.run_forever, name="fake-socket-mode", daemon=True)
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start_server(), loop).result(timeout=5)
        return self

    async def _start_server(self) -> None:
        self._server = await serve(
            self._handler,
            "127.0.0.1",
            0,
            compression=None,
            ping_interval=None,
            close_timeout=0.5,
            max_size=None,
        )
        self._port = int(next(iter(self._server.sockets)).getsockname()[1])

    async def _stop_server(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._server.wait_closed(), timeout=2)
            self._server = None

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None:
            return
        try:
            asyncio.run_coroutine_threadsafe(self._stop_server(), loop).result(timeout=3)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            if thread is not None:
                thread.join(timeout=3)
            loop.close()
            self._loop = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if not self._port:
            raise RuntimeError("FakeSocketMode is not started")
        return self._port

    @property
    def url(self) -> str:
        """A connectable URL with a fixed ticket (see :meth:`new_url` for one per connection)."""
        return f"ws://127.0.0.1:{self.port}/link/?ticket=fixed-ticket&app_id={self.app_id}"

    def new_url(self) -> str:
        """A fresh URL like Slack's ``wss://wss-primary.slack.com/link/?ticket=...&app_id=...``.

        Assign the bound method to ``FakeSlack.socket_url`` so each apps.connections.open gets a new ticket.
        """
        ticket = str(uuid.uuid4())
        with self._lock:
            self.tickets.append(ticket)
        return f"ws://127.0.0.1:{self.port}/link/?ticket={ticket}&app_id={self.app_id}"

    def reset(self) -> None:
        """Forgets received messages and sent envelopes (connections stay open)."""
        with self._lock:
            self._received.clear()
            self._sent.clear()

    # ----------------------------------------------------------------------------------------------------
    # server side

    async def _handler(self, ws: ServerConnection) -> None:
        request = ws.request
        with self._changed:
            conn = SocketConnection(
                number=len(self._connections) + 1,
                path=request.path if request is not None else "",
                headers={k.lower(): v for k, v in request.headers.raw_items()} if request is not None else {},
                opened_at=time.time(),
                _ws=ws,
            )
            self._connections.append(conn)
            active = sum(1 for c in self._connections if not c.closed)
            replaced = [c for c in self._connections if c.warned and not c.closed and c is not conn]
            self._changed.notify_all()
        for old in replaced:  # as Slack does after a disconnect warning, once the client has reconnected
            if old._ws is not None:
                task = asyncio.ensure_future(old._ws.close(1000, "replaced"))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
        try:
            if self.send_hello:
                await ws.send(json.dumps(self._hello(active)))
            async for message in ws:
                raw = message if isinstance(message, str) else message.decode("utf-8", "replace")
                try:
                    data = json.loads(raw)
                except ValueError:
                    data = None
                with self._changed:
                    self._received.append(
                        Received(conn.number, raw, data if isinstance(data, dict) else None, time.time())
                    )
                    self._changed.notify_all()
        except ConnectionClosed:
            pass
        finally:
            with self._changed:
                conn.closed = True
                conn.close_code = ws.close_code
                self._changed.notify_all()

    def _hello(self, num_connections: int) -> dict[str, Any]:
        return {
            "type": "hello",
            "num_connections": num_connections,
            "debug_info": {
                "host": self.host_in_debug,
                "build_number": 1,
                "approximate_connection_time": 18060,
            },
            "connection_info": {"app_id": self.app_id},
        }

    # ----------------------------------------------------------------------------------------------------
    # test side

    def connections(self, *, active: bool = False) -> list[SocketConnection]:
        with self._lock:
            return [c for c in self._connections if not (active and c.closed)]

    def wait_for_connection(self, timeout: float = 5.0, *, count: int = 1) -> SocketConnection:
        """Waits until ``count`` connections have been opened in total; returns the latest active one."""
        self._wait(
            lambda: len(self._connections) >= count and self._latest_active() is not None,
            timeout,
            f"{count} connection(s)",
        )
        conn = self._latest_active()
        assert conn is not None
        return conn

    def _latest_active(self) -> SocketConnection | None:
        with self._lock:
            for c in reversed(self._connections):
                if not c.closed:
                    return c
        return None

    def send(
        self,
        message: Mapping[str, Any] | str,
        *,
        connection: SocketConnection | None = None,
        timeout: float = 5.0,
    ) -> None:
        """Sends a raw message (dict → JSON) on ``connection`` (default: the latest active, waited for)."""
        conn = connection or self.wait_for_connection(timeout)
        ws, loop = conn._ws, self._loop
        if ws is None or loop is None:
            raise RuntimeError("connection or server is gone")
        text = message if isinstance(message, str) else json.dumps(message)
        asyncio.run_coroutine_threadsafe(ws.send(text), loop).result(timeout=timeout)

    def send_envelope(
        self,
        envelope: Mapping[str, Any],
        *,
        connection: SocketConnection | None = None,
        timeout: float = 5.0,
    ) -> str:
        """Pushes an envelope (see the ``*_envelope`` builders) and returns its ``envelope_id``."""
        env = dict(envelope)
        env.setdefault("envelope_id", str(uuid.uuid4()))
        with self._lock:
            self._sent.append(env)
        self.send(env, connection=connection, timeout=timeout)
        return str(env["envelope_id"])

    def wait_for_ack(self, envelope_id: str, timeout: float = 5.0) -> dict[str, Any]:
        """The acknowledgement the client sent for ``envelope_id`` (``{"envelope_id": ..., "payload"?: ...}``)."""
        found: list[dict[str, Any]] = []

        def check() -> bool:
            for r in self._received:
                if r.data is not None and r.data.get("envelope_id") == envelope_id:
                    found.append(r.data)
                    return True
            return False

        self._wait(check, timeout, f"ack for envelope {envelope_id}")
        return found[0]

    def request(self, envelope: Mapping[str, Any], timeout: float = 5.0) -> dict[str, Any]:
        """Sends ``envelope`` and returns its ack."""
        return self.wait_for_ack(self.send_envelope(envelope, timeout=timeout), timeout)

    def received(self) -> list[Received]:
        """Every text message clients sent, in order."""
        with self._lock:
            return list(self._received)

    def sent(self) -> list[dict[str, Any]]:
        """Every envelope pushed with :meth:`send_envelope`, in order."""
        with self._lock:
            return list(self._sent)

    def send_disconnect(
        self, reason: str = "refresh_requested", *, connection: SocketConnection | None = None
    ) -> None:
        """Slack's ``{"type": "disconnect"}`` warning: clients reconnect via apps.connections.open; the server
        closes the warned connection as soon as a new one opens."""
        conn = connection or self.wait_for_connection()
        conn.warned = True
        self.send(
            {"type": "disconnect", "reason": reason, "debug_info": {"host": self.host_in_debug}},
            connection=conn,
        )

    def drop(
        self, connection: SocketConnection | None = None, *, code: int = 1001, timeout: float = 3.0
    ) -> None:
        """Closes a connection from the server side (default: the latest active one)."""
        conn = connection or self._latest_active()
        if conn is None or conn._ws is None or self._loop is None:
            return
        asyncio.run_coroutine_threadsafe(conn._ws.close(code), self._loop).result(timeout=timeout)

    def close_client(self, client: Any) -> None:
        """Closes a slack_sdk Socket Mode client or a slack_bolt ``SocketModeHandler`` in well under a second.

        The builtin client's own ``close()`` waits for a blocked socket read to time out (about 3 s), the
        websocket-client one for about 10 s; here the server closes the connections first (all of them), with
        reconnection switched off, so the clients' reads return at once.
        """
        inner = getattr(client, "client", client)
        inner.auto_reconnect_enabled = False
        inner.default_auto_reconnect_enabled = False
        inner.closed = True
        state = getattr(inner, "current_session_state", None)
        if state is not None:
            state.terminated = True
        queue = getattr(inner, "message_queue", None)
        if queue is not None:
            queue.put(
                ""
            )  # wakes the message processor, which otherwise waits up to 1 s before it sees `closed`
        for conn in self.connections(active=True):  # note: websocket-client logs this as an error; harmless
            self.drop(conn)
        client.close()

    def _wait(self, condition: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        with self._changed:
            while not condition():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"no {what} within {timeout}s; connections: {len(self._connections)}, "
                        f"received: {[r.raw[:80] for r in self._received]}"
                    )
                self._changed.wait(left)


# --------------------------------------------------------------------------------------------------------
# envelope builders


def slash_command_envelope(command: Mapping[str, str] | None = None, **fields: Any) -> dict[str, Any]:
    """A ``slash_commands`` envelope; ``command`` as built by ``payloads.slash_command`` (or its kwargs)."""
    payload = dict(command) if command is not None else p.slash_command(**fields)
    return {
        "envelope_id": str(uuid.uuid4()),
        "payload": payload,
        "type": "slash_commands",
        "accepts_response_payload": True,
    }


def interactive_envelope(payload: Mapping[str, Any]) -> dict[str, Any]:
    """An ``interactive`` envelope around a block_actions / view_submission / ... payload."""
    return {
        "envelope_id": str(uuid.uuid4()),
        "payload": dict(payload),
        "type": "interactive",
        "accepts_response_payload": payload.get("type") in ("view_submission", "block_suggestion"),
    }


def events_api_envelope(
    callback: Mapping[str, Any], *, retry_attempt: int = 0, retry_reason: str = ""
) -> dict[str, Any]:
    """An ``events_api`` envelope around an ``event_callback`` (``payloads.event_callback(...)``)."""
    return {
        "envelope_id": str(uuid.uuid4()),
        "payload": dict(callback),
        "type": "events_api",
        "accepts_response_payload": False,
        "retry_attempt": retry_attempt,
        "retry_reason": retry_reason,
    }
