"""A local fake of the Slack Web API, served over real HTTP.

    with FakeSlack() as fake:
        client = WebClient(token="xoxb-test", base_url=fake.api_url)
        client.chat_postMessage(channel="C0REVIEW", text="hi")
        call = fake.wait_for("chat.postMessage")
        assert call["text"] == "hi"

Requests arrive as ``POST /api/<method>`` (form-encoded, JSON or multipart bodies; a query string is merged
in) with ``Authorization: Bearer <token>``. Each request is recorded as a :class:`Call` and answered with
the JSON shape Slack documents (HTTP 200, ``{"ok": true, ...}`` or ``{"ok": false, "error": ...}``) unless a
fault was injected with :meth:`FakeSlack.fail`, :meth:`FakeSlack.rate_limit` or :meth:`FakeSlack.server_error`.
Like real Slack it can be slow (:attr:`FakeSlack.latency`: seconds per answer, for all methods or per method)
and strict (:meth:`FakeSlack.limit_posts`: about one chat.postMessage a second per channel, then 429 with
``Retry-After``); :attr:`FakeSlack.in_flight` counts the requests being answered at once.
As Slack's servers do, it keeps a connection open for the client's next request (HTTP/1.1 keep-alive):
:attr:`FakeSlack.connections_accepted` counts them, :meth:`FakeSlack.drop_connections` closes them; with
``tls=`` it speaks HTTPS.

Besides the Web API the server also answers:

- ``POST /upload/<file_id>``: the ``upload_url`` that ``files.getUploadURLExternal`` hands out (raw or
  multipart body); recorded as method ``"upload"``.
- ``POST /response/<id>``: a ``response_url`` (see :meth:`FakeSlack.response_url`); recorded as method
  ``"response_url"`` with the posted JSON as arguments.

The fake keeps a small workspace model: channels (the bot is a member of every channel unless
:meth:`FakeSlack.remove_bot_from` says otherwise), users, the messages the bot posted (updated in place by
``chat.update``), views, uploaded files and issued / revoked tokens.
"""

from __future__ import annotations

import base64
import contextlib
import email.parser
import email.policy
import itertools
import json
import re
import socket
import ssl
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, cast
from urllib.parse import parse_qsl, urlsplit

from tests.support import payloads as p
from tests.support.slack_limits import InFlight, Latency, PostLimit

if TYPE_CHECKING:
    from slack_sdk import WebClient

DEFAULT_BOT_SCOPES: tuple[str, ...] = (
    "commands",
    "chat:write",
    "channels:history",
    "groups:history",
    "app_mentions:read",
    "files:write",
    "users:read",
    "channels:read",
    "groups:read",
)

TOKEN_PREFIXES: tuple[str, ...] = ("xoxb-", "xoxp-", "xapp-", "xoxe.xoxb-", "xoxe.xoxp-")

# Methods Slack answers without a token (client credentials or nothing).
_NO_TOKEN_METHODS = frozenset({"oauth.v2.access", "oauth.access", "oauth.v2.exchange", "api.test"})
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_UNREACHABLE_WS = "ws://127.0.0.1:9/link/?ticket={ticket}&app_id={app_id}"

MESSAGE_BLOCK_LIMIT = 50
VIEW_BLOCK_LIMIT = 100
MESSAGE_TEXT_LIMIT = 40_000


class SlackError(Exception):
    """Raised inside a handler to answer ``{"ok": false, "error": error, **extra}``."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra


@dataclass
class Call:
    """One request the fake received."""

    seq: int
    method: str
    """Web API method (``"chat.postMessage"``), or ``"upload"`` / ``"response_url"``."""
    args: dict[str, Any]
    """Query string and body merged: form values are strings, JSON values as sent."""
    token: str | None
    time: float
    http_method: str
    path: str
    headers: dict[str, str]
    """Request headers with lower-case names."""
    body: bytes
    status: int = 200
    response: dict[str, Any] | None = None
    """The JSON the fake answered with (``None`` for non-JSON answers)."""

    @property
    def ok(self) -> bool:
        """HTTP 200 and, for Web API calls, ``"ok": true``."""
        if self.response is None:
            return self.status == 200
        return self.status == 200 and bool(self.response.get("ok"))

    @property
    def error(self) -> str | None:
        return None if self.response is None else self.response.get("error")

    def get(self, name: str, default: Any = None) -> Any:
        return self.args.get(name, default)

    def __getitem__(self, name: str) -> Any:
        return self.args[name]

    def __contains__(self, name: object) -> bool:
        return name in self.args

    def json_arg(self, name: str, default: Any = None) -> Any:
        """The argument decoded from JSON when it was sent as a JSON string (form bodies), else as sent."""
        return _decode_json_field(self.args.get(name, default))

    @property
    def text(self) -> str:
        return str(self.args.get("text") or "")

    @property
    def blocks(self) -> list[dict[str, Any]]:
        return cast(list[dict[str, Any]], self.json_arg("blocks") or [])

    @property
    def view(self) -> dict[str, Any] | None:
        return cast("dict[str, Any] | None", self.json_arg("view"))

    def all_text(self) -> str:
        """``text`` plus every text string inside ``blocks`` / ``view``, for loose assertions."""
        parts = [self.text]
        _collect_text(self.blocks, parts)
        view = self.view
        if view:
            _collect_text(view, parts)
        return "\n".join(x for x in parts if x)

    def __repr__(self) -> str:
        outcome = "ok" if self.ok else f"{self.status} {self.error or ''}".rstrip()
        return f"<Call #{self.seq} {self.method} {outcome} args={_short(self.args)}>"


@dataclass
class Message:
    """A message the bot posted (or a test seeded), in its current state."""

    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]]
    user: str
    thread_ts: str | None = None
    bot_id: str | None = None
    metadata: dict[str, Any] | None = None
    edits: int = 0
    deleted: bool = False

    def to_slack(self, team_id: str, *, with_metadata: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": "message",
            "user": self.user,
            "text": self.text,
            "ts": self.ts,
            "team": team_id,
        }
        if self.bot_id:
            out["bot_id"] = self.bot_id
        if self.blocks:
            out["blocks"] = self.blocks
        if self.thread_ts:
            out["thread_ts"] = self.thread_ts
        if self.metadata and with_metadata:
            out["metadata"] = self.metadata
        if self.edits:
            out["edited"] = {"user": self.user, "ts": self.ts}
        return out

    def all_text(self) -> str:
        parts = [self.text]
        _collect_text(self.blocks, parts)
        return "\n".join(x for x in parts if x)


@dataclass
class UploadedFile:
    """A file uploaded with files.getUploadURLExternal + upload + files.completeUploadExternal."""

    file_id: str
    filename: str
    title: str
    content: bytes
    channel_id: str | None = None
    thread_ts: str | None = None
    initial_comment: str | None = None
    alt_txt: str | None = None
    snippet_type: str | None = None
    completed: bool = False


@dataclass
class Channel:
    id: str
    name: str
    is_private: bool
    is_im: bool = False
    is_member: bool = True
    is_archived: bool = False
    members: list[str] | None = None  # None: everyone taking part (`payloads.actors`)


@dataclass
class User:
    id: str
    name: str
    real_name: str
    team_id: str
    is_admin: bool = False
    is_owner: bool = False
    is_bot: bool = False
    deleted: bool = False
    tz: str = "Europe/London"
    tz_offset: int = 0
    email: str | None = None


@dataclass
class _Fault:
    kind: str  # "error" | "ratelimit" | "server"
    remaining: int | None
    error: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    retry_after: int = 1
    status: int = 500
    body: str = ""


Handler = Callable[[Call], Mapping[str, Any]]


class FakeSlack:
    """The fake Web API server. Start with ``with FakeSlack() as fake`` or ``fake.start()`` / ``fake.stop()``."""

    def __init__(
        self,
        *,
        team_id: str = p.TEAM_ID,
        team_name: str = p.TEAM_NAME,
        team_domain: str = p.TEAM_DOMAIN,
        bot_user_id: str = p.BOT_USER_ID,
        bot_id: str = p.BOT_ID,
        app_id: str = p.APP_ID,
        bot_scopes: Sequence[str] = DEFAULT_BOT_SCOPES,
        socket_url: str | Callable[[], str] | None = None,
        strict_blocks: bool = True,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.team_id = team_id
        self.team_name = team_name
        self.team_domain = team_domain
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.app_id = app_id
        self.bot_scopes = list(bot_scopes)
        self.socket_url: str | Callable[[], str] | None = socket_url
        """What apps.connections.open answers: a URL, or a callable giving a fresh one per call."""
        self.strict_blocks = strict_blocks
        """Reject blocks / views that break Slack's documented limits (``invalid_blocks``)."""
        self.tls = tls
        """When given, the fake speaks HTTPS with this server context (``url`` starts with ``https://``)."""
        self.valid_tokens: set[str] | None = None
        """``None``: any token with a known prefix (xoxb-, xoxp-, xapp-) is valid; a set: only these."""
        # OAuth (oauth.v2.access)
        self.client_id: str | None = None
        """When set, oauth.v2.access checks the client id (``invalid_client_id``)."""
        self.client_secret: str | None = None
        """When set, oauth.v2.access checks the client secret (``bad_client_secret``)."""
        self.oauth_team: tuple[str, str] = (team_id, team_name)
        self.oauth_user_id = p.USER_ID
        self.token_rotation = False
        """When on, oauth.v2.access answers with refresh_token / expires_in and accepts grant_type=refresh_token."""
        self.token_expires_in = 43_200
        self.latency = Latency()
        """Seconds each Web API answer takes: ``latency.default`` for every method, ``latency.methods[name]``
        for one. The call is handled at once (a posted message exists), its answer is held back that long."""
        self.post_limit: PostLimit | None = None
        """Set by :meth:`limit_posts`; ``None`` (the default): no per-channel limit."""
        self.in_flight = InFlight()
        """Web API requests being answered now (``.now``) and the most at once so far (``.peak``)."""

        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._handlers: dict[str, Handler] = {}
        self._init_state()

    def _init_state(self) -> None:
        with self._lock:
            self._calls: list[Call] = []
            self._seq = itertools.count(1)
            self._ids = itertools.count(1)
            self._faults: dict[str, deque[_Fault]] = {}
            self._attempts: dict[str, int] = {}
            self._channels: dict[str, Channel] = {}
            self._users: dict[str, User] = {}
            self._messages: dict[tuple[str, str], Message] = {}
            self._views: dict[str, dict[str, Any]] = {}
            self._home_views: dict[str, str] = {}
            self._files: dict[str, UploadedFile] = {}
            self._scheduled: dict[str, str] = {}  # scheduled_message_id -> channel, until posted or deleted
            self._revoked: set[str] = set()
            self._token_teams: dict[str, tuple[str, str]] = {}
            self._token_users: dict[str, str] = {}
            self._refresh_tokens: dict[str, tuple[str, str]] = {}
            self._used_codes: set[str] = set()
            self.issued_tokens: list[str] = []

    # ----------------------------------------------------------------------------------------------------
    # lifecycle

    def start(self) -> Self:
        if self._server is not None:
            return self
        server = _Server(("127.0.0.1", 0), _RequestHandler)
        if self.tls is not None:
            server.socket = self.tls.wrap_socket(server.socket, server_side=True)
        server.fake = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-slack", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
            server.close_connections()
        if thread is not None:
            thread.join(timeout=2)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def connections_accepted(self) -> int:
        """How many connections clients have opened to this fake (each may carry many requests)."""
        return self._server.connections_accepted if self._server is not None else 0

    def drop_connections(self) -> None:
        """Close every open connection, as a server closes idle kept-alive ones."""
        if self._server is not None:
            self._server.close_connections()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeSlack is not started")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>`` (``https:`` with ``tls``; no trailing slash)."""
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        """The Web API base for ``WebClient(base_url=...)`` / ``SLACK_API_URL``; ends with ``/api/``."""
        return f"{self.url}/api/"

    def client(self, token: str = "xoxb-test-token", **kwargs: Any) -> WebClient:
        """A real ``slack_sdk.WebClient`` pointed at this fake."""
        from slack_sdk import WebClient

        return WebClient(token=token, base_url=self.api_url, **kwargs)

    def response_url(self) -> str:
        """A fresh ``response_url`` served by this fake; posts to it are recorded as ``"response_url"`` calls."""
        return f"{self.url}/response/{self.team_id}/{self._new_id('R')}/{uuid.uuid4().hex[:12]}"

    def reset(self) -> None:
        """Forgets calls, faults, custom handlers and the workspace state (messages, views, files, channels,
        users, issued / revoked tokens); keeps the configuration attributes and the server running."""
        with self._lock:
            self._init_state()
            self._handlers.clear()
            self._changed.notify_all()

    # ----------------------------------------------------------------------------------------------------
    # recorded calls

    def calls(self, method: str | None = None, *, ok: bool | None = None) -> list[Call]:
        """Recorded calls in arrival order, optionally of one method and / or only (un)successful ones."""
        with self._lock:
            return [
                c
                for c in self._calls
                if (method is None or c.method == method) and (ok is None or c.ok == ok)
            ]

    def last(self, method: str) -> Call:
        found = self.calls(method)
        if not found:
            raise AssertionError(f"no {method} call; calls so far: {self._summary()}")
        return found[-1]

    def attempts(self, method: str) -> int:
        """How many requests for ``method`` arrived, including those answered with an injected fault."""
        with self._lock:
            return self._attempts.get(method, 0)

    def mark(self) -> int:
        """The sequence number of the latest call; pass it as ``since=`` to wait only for newer calls."""
        with self._lock:
            return self._calls[-1].seq if self._calls else 0

    def wait_for(
        self,
        method: str,
        predicate: Callable[[Call], bool] | None = None,
        timeout: float = 5.0,
        *,
        since: int = 0,
    ) -> Call:
        """The first call of ``method`` (after sequence number ``since``) matching ``predicate``.

        Waits up to ``timeout`` seconds for it to arrive; raises ``AssertionError`` listing what did arrive.
        """
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for c in self._calls:
                    if c.seq > since and c.method == method and (predicate is None or predicate(c)):
                        return c
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"no matching {method} call within {timeout}s; calls so far: {self._summary()}"
                    )
                self._changed.wait(left)

    def wait_until(self, condition: Callable[[], bool], timeout: float = 5.0) -> None:
        """Waits until ``condition()`` (evaluated after each call) holds."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not condition():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"condition not met within {timeout}s; calls so far: {self._summary()}"
                    )
                self._changed.wait(min(left, 0.05))

    def _summary(self) -> str:
        with self._lock:
            if not self._calls:
                return "none"
            return ", ".join(
                f"#{c.seq} {c.method}{'' if c.ok else ' (' + str(c.error) + ')'}" for c in self._calls
            )

    # ----------------------------------------------------------------------------------------------------
    # workspace model

    def add_channel(
        self,
        channel_id: str,
        name: str | None = None,
        *,
        is_private: bool | None = None,
        is_member: bool = True,
        is_archived: bool = False,
        members: Sequence[str] | None = None,
    ) -> Channel:
        """`members`: the people in the channel besides the bot (default: everyone a request was built for,
        `payloads.actors`)."""
        with self._lock:
            ch = Channel(
                id=channel_id,
                name=name or channel_id.lower(),
                is_private=channel_id.startswith("G") if is_private is None else is_private,
                is_im=channel_id.startswith("D"),
                is_member=is_member,
                is_archived=is_archived,
                members=None if members is None else list(members),
            )
            self._channels[channel_id] = ch
            return ch

    def channel(self, channel_id: str) -> Channel:
        """The channel's model, created with defaults (bot is a member) on first use."""
        with self._lock:
            ch = self._channels.get(channel_id)
            if ch is None:
                ch = self.add_channel(channel_id)
            return ch

    def remove_bot_from(self, channel_id: str) -> None:
        """chat.postMessage / chat.update / file shares there now answer ``not_in_channel``."""
        self.channel(channel_id).is_member = False

    def add_bot_to(self, channel_id: str) -> None:
        self.channel(channel_id).is_member = True

    def archive(self, channel_id: str) -> None:
        """conversations.info shows ``is_archived``; posting there answers ``is_archived``."""
        self.channel(channel_id).is_archived = True

    def set_user(
        self,
        user_id: str,
        name: str | None = None,
        *,
        real_name: str | None = None,
        is_admin: bool = False,
        is_owner: bool = False,
        is_bot: bool = False,
        deleted: bool = False,
        tz: str = "Europe/London",
        tz_offset: int = 0,
        email: str | None = None,
    ) -> User:
        """Defines (or redefines) a user for users.info; unknown well-formed user ids get a plain member."""
        uname = name or user_id.lower()
        user = User(
            id=user_id,
            name=uname,
            real_name=real_name or uname.title(),
            team_id=self.team_id,
            is_admin=is_admin or is_owner,
            is_owner=is_owner,
            is_bot=is_bot,
            deleted=deleted,
            tz=tz,
            tz_offset=tz_offset,
            email=email,
        )
        with self._lock:
            self._users[user_id] = user
        return user

    def _user(self, user_id: str) -> User | None:
        with self._lock:
            user = self._users.get(user_id)
            if user is None and _USER_ID.match(user_id):
                if user_id == self.bot_user_id:
                    user = self.set_user(
                        user_id, "outsource-review", real_name="Outsource Review", is_bot=True
                    )
                else:
                    user = self.set_user(user_id)
            return user

    def add_message(
        self,
        channel: str,
        text: str,
        *,
        user: str = p.USER_ID,
        ts: str | None = None,
        thread_ts: str | None = None,
        blocks: Sequence[Mapping[str, Any]] = (),
        bot_id: str | None = None,
    ) -> Message:
        """Seeds a message (e.g. one the bot posted in an earlier run, so chat.update can find it)."""
        msg = Message(
            channel=channel,
            ts=ts or self._next_ts(),
            text=text,
            blocks=[dict(b) for b in blocks],
            user=user,
            thread_ts=thread_ts,
            bot_id=bot_id if bot_id is not None else (self.bot_id if user == self.bot_user_id else None),
        )
        with self._lock:
            self._messages[(channel, msg.ts)] = msg
        return msg

    def messages(
        self, channel: str | None = None, *, thread_ts: str | None = None, include_deleted: bool = False
    ) -> list[Message]:
        """Messages in their current state, oldest first; with ``thread_ts`` the parent and its replies."""
        with self._lock:
            out = []
            for m in self._messages.values():
                if channel is not None and m.channel != channel:
                    continue
                if thread_ts is not None and not (m.ts == thread_ts or m.thread_ts == thread_ts):
                    continue
                if m.deleted and not include_deleted:
                    continue
                out.append(m)
            return sorted(out, key=lambda m: float(m.ts))

    def message(self, channel: str, ts: str) -> Message:
        with self._lock:
            try:
                return self._messages[(channel, ts)]
            except KeyError:
                raise AssertionError(f"no message {ts} in {channel}") from None

    def views(self) -> dict[str, dict[str, Any]]:
        """Views opened / pushed / updated / published, by view id, in their latest state."""
        with self._lock:
            return dict(self._views)

    def view(self, view_id: str) -> dict[str, Any]:
        with self._lock:
            return self._views[view_id]

    def home_view(self, user_id: str) -> dict[str, Any] | None:
        """The Home tab last published for ``user_id``, or ``None``."""
        with self._lock:
            vid = self._home_views.get(user_id)
            return None if vid is None else self._views[vid]

    def uploaded_files(self) -> list[UploadedFile]:
        """Files whose upload was completed (files.completeUploadExternal), in completion order."""
        with self._lock:
            return [f for f in self._files.values() if f.completed]

    def file_content(self, key: str) -> bytes:
        """The bytes of an uploaded file, by file id, filename or title (latest upload wins)."""
        with self._lock:
            for f in reversed(list(self._files.values())):
                if key in (f.file_id, f.filename, f.title):
                    return f.content
        raise KeyError(key)

    # ----------------------------------------------------------------------------------------------------
    # tokens

    def revoke(self, token: str) -> None:
        """Calls with ``token`` now answer ``token_revoked``."""
        with self._lock:
            self._revoked.add(token)

    def is_token_valid(self, token: str) -> bool:
        if self.valid_tokens is not None:
            return token in self.valid_tokens or token in self.issued_tokens
        return token.startswith(TOKEN_PREFIXES)

    # ----------------------------------------------------------------------------------------------------
    # faults and custom handlers

    def fail(
        self, method: str, error: str = "internal_error", *, times: int | None = 1, **extra: Any
    ) -> None:
        """The next ``times`` calls of ``method`` answer ``{"ok": false, "error": error, **extra}`` (HTTP 200).

        ``times=None`` keeps failing until :meth:`clear_faults`.
        """
        self._add_fault(method, _Fault("error", times, error=error, extra=extra))

    def rate_limit(self, method: str, retry_after: int = 1, *, times: int | None = 1) -> None:
        """The next ``times`` calls answer HTTP 429, ``Retry-After: retry_after``, ``{"ok": false, "error": "ratelimited"}``."""
        self._add_fault(method, _Fault("ratelimit", times, retry_after=retry_after))

    def server_error(self, method: str, status: int = 500, *, times: int | None = 1, body: str = "") -> None:
        """The next ``times`` calls answer HTTP ``status`` (a JSON ``fatal_error`` body unless ``body`` is given)."""
        self._add_fault(method, _Fault("server", times, status=status, body=body))

    def limit_posts(self, per_second: float = 1.0, burst: int = 3) -> None:
        """From now on chat.postMessage in one channel is let through at ``per_second`` with bursts of
        ``burst``, as Slack does; beyond that it answers 429 with ``Retry-After`` (whole seconds)."""
        self.post_limit = PostLimit(per_second, burst)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def on(self, method: str, handler: Handler) -> None:
        """Answers ``method`` with ``handler(call)`` (a dict; ``"ok": true`` is added when missing)."""
        with self._lock:
            self._handlers[method] = handler

    def _add_fault(self, method: str, fault: _Fault) -> None:
        if fault.remaining is not None and fault.remaining < 1:
            return
        with self._lock:
            self._faults.setdefault(method, deque()).append(fault)

    def _take_fault(self, method: str) -> _Fault | None:
        with self._lock:
            queue = self._faults.get(method)
            if not queue:
                return None
            fault = queue[0]
            if fault.remaining is not None:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    queue.popleft()
            return fault

    # ----------------------------------------------------------------------------------------------------
    # request handling (called from the server threads)

    def _handle(self, req: _RequestHandler) -> None:
        parts = urlsplit(req.path)
        path = parts.path
        headers = {k.lower(): v for k, v in req.headers.items()}
        length = int(headers.get("content-length") or 0)
        body = req.rfile.read(length) if length > 0 else b""
        query = dict(parse_qsl(parts.query, keep_blank_values=True))

        if path.startswith("/api/"):
            method = path[len("/api/") :].strip("/")
            args = {**query, **_parse_body(headers.get("content-type", ""), body)}
            token = _bearer(headers.get("authorization")) or _str_or_none(args.get("token"))
            call = self._new_call(method, args, token, req.command, req.path, headers, body)
            with self.in_flight:
                status, extra_headers, answer = self._answer_api(call)
                time.sleep(self.latency.of(method))
            self._finish(call, status, answer if isinstance(answer, dict) else None)
            req.send_answer(status, answer, extra_headers)
        elif path.startswith("/upload/"):
            file_id = path[len("/upload/") :].strip("/")
            call = self._new_call(
                "upload", {"file_id": file_id, **query}, None, req.command, req.path, headers, body
            )
            status, extra_headers, answer = self._answer_upload(call, headers.get("content-type", ""), body)
            self._finish(call, status, answer if isinstance(answer, dict) else None)
            req.send_answer(status, answer, extra_headers)
        elif path.startswith("/response/"):
            args = {**query, **_parse_body(headers.get("content-type", ""), body)}
            call = self._new_call("response_url", args, None, req.command, req.path, headers, body)
            status, extra_headers, answer = self._answer_webhook(self._take_fault("response_url"), "ok")
            self._finish(call, status, answer if isinstance(answer, dict) else None)
            req.send_answer(status, answer, extra_headers)
        else:
            req.send_text(404, "not found")

    def _new_call(
        self,
        method: str,
        args: dict[str, Any],
        token: str | None,
        http_method: str,
        path: str,
        headers: dict[str, str],
        body: bytes,
    ) -> Call:
        with self._lock:
            self._attempts[method] = self._attempts.get(method, 0) + 1
            return Call(
                seq=next(self._seq),
                method=method,
                args=args,
                token=token,
                time=time.time(),
                http_method=http_method,
                path=path,
                headers=headers,
                body=body,
            )

    def _finish(self, call: Call, status: int, answer: dict[str, Any] | None) -> None:
        call.status = status
        call.response = answer
        with self._changed:
            self._calls.append(call)
            self._changed.notify_all()

    def _fault_answer(self, fault: _Fault) -> tuple[int, dict[str, str], dict[str, Any] | str]:
        if fault.kind == "ratelimit":
            return 429, {"Retry-After": str(fault.retry_after)}, {"ok": False, "error": "ratelimited"}
        if fault.kind == "server":
            return fault.status, {}, fault.body or {"ok": False, "error": "fatal_error"}
        return 200, {}, {"ok": False, "error": fault.error, **fault.extra}

    def _answer_api(self, call: Call) -> tuple[int, dict[str, str], dict[str, Any] | str]:
        fault = self._take_fault(call.method)
        if fault is not None:
            return self._fault_answer(fault)
        wait = self._post_limit_wait(call)
        if wait:
            return self._fault_answer(_Fault("ratelimit", None, retry_after=wait))
        with self._lock:
            custom = self._handlers.get(call.method)
        handler: Handler | None = custom or getattr(self, "_api_" + call.method.replace(".", "_"), None)
        if handler is None:
            return 200, {}, {"ok": False, "error": "unknown_method", "req_method": call.method}
        scopes = {"X-OAuth-Scopes": ",".join(self.bot_scopes)}
        try:
            if call.method not in _NO_TOKEN_METHODS:
                self._check_token(call)
            answer = dict(handler(call))
        except SlackError as e:
            return 200, scopes, {"ok": False, "error": e.error, **e.extra}
        answer.setdefault("ok", True)
        return 200, scopes, answer

    def _post_limit_wait(self, call: Call) -> int:
        limit = self.post_limit
        if limit is None or call.method != "chat.postMessage":
            return 0
        return limit.retry_after(str(call.args.get("channel") or ""))

    def _check_token(self, call: Call) -> None:
        token = call.token
        if not token:
            raise SlackError("not_authed")
        with self._lock:
            if token in self._revoked:
                raise SlackError("token_revoked")
        if not self.is_token_valid(token):
            raise SlackError("invalid_auth")
        is_app_token = token.startswith("xapp-")
        if call.method == "apps.connections.open" and not is_app_token:
            raise SlackError("not_allowed_token_type")
        if is_app_token and call.method not in ("apps.connections.open", "auth.test"):
            raise SlackError("not_allowed_token_type")

    def _answer_webhook(
        self, fault: _Fault | None, ok_text: str
    ) -> tuple[int, dict[str, str], dict[str, Any] | str]:
        """Answers of the non-API endpoints (upload URL, response_url): plain text like Slack's."""
        if fault is None:
            return 200, {}, ok_text
        if fault.kind == "error":
            return (404 if fault.error in ("expired_url", "no_active_hooks") else 400), {}, fault.error
        return self._fault_answer(fault)

    def _answer_upload(
        self, call: Call, content_type: str, body: bytes
    ) -> tuple[int, dict[str, str], dict[str, Any] | str]:
        fault = self._take_fault("upload")
        if fault is not None:
            return self._answer_webhook(fault, "")
        file_id = call.args["file_id"]
        with self._lock:
            f = self._files.get(file_id)
            if f is None:
                return 404, {}, "file not found"
            if content_type.lower().startswith("multipart/form-data"):
                f.content = _first_file_part(content_type, body)
            else:
                f.content = body
            return 200, {}, f"OK - {len(f.content)}"

    # ----------------------------------------------------------------------------------------------------
    # helpers for handlers

    def _next_ts(self) -> str:
        return p.new_ts()  # one clock for what users send and what the bot posts

    def _new_id(self, prefix: str) -> str:
        with self._lock:
            return f"{prefix}0{next(self._ids):08X}"

    def _team_of(self, token: str | None) -> tuple[str, str]:
        with self._lock:
            if token and token in self._token_teams:
                return self._token_teams[token]
        return self.team_id, self.team_name

    def _resolve_channel(self, call: Call, name: str = "channel", *, posting: bool = False) -> Channel:
        raw = call.args.get(name)
        if not raw:
            raise SlackError("channel_not_found")
        cid = str(raw)
        if _USER_ID.match(cid):  # posting to a user id opens the DM
            cid = "D" + cid[1:]
        if not _CHANNEL_ID.match(cid):
            raise SlackError("channel_not_found")
        ch = self.channel(cid)
        if posting:
            if ch.is_archived:
                raise SlackError("is_archived")
            if not ch.is_member:
                raise SlackError("not_in_channel")
        return ch

    def _blocks_arg(self, call: Call, limit: int) -> list[dict[str, Any]]:
        blocks = call.json_arg("blocks")
        if blocks in (None, "", []):
            return []
        if not isinstance(blocks, list):
            raise SlackError("invalid_blocks_format")
        if self.strict_blocks:
            problems = block_problems(blocks, limit=limit)
            if problems:
                raise SlackError(
                    "invalid_blocks",
                    errors=problems,
                    response_metadata={"messages": [f"[ERROR] {m}" for m in problems]},
                )
        return cast(list[dict[str, Any]], blocks)

    def _message_text(self, call: Call, blocks: list[dict[str, Any]]) -> str:
        text = str(call.args.get("text") or "")
        if not text and not blocks and not call.args.get("attachments"):
            raise SlackError("no_text")
        if len(text) > MESSAGE_TEXT_LIMIT:
            raise SlackError("msg_too_long")
        return text

    def _view_arg(self, call: Call) -> dict[str, Any]:
        view = call.json_arg("view")
        if not isinstance(view, dict):
            raise SlackError(
                "invalid_arguments", response_metadata={"messages": ["[ERROR] missing required field: view"]}
            )
        if self.strict_blocks:
            problems = view_problems(view)
            if problems:
                raise SlackError(
                    "invalid_arguments", response_metadata={"messages": [f"[ERROR] {m}" for m in problems]}
                )
        return view

    def _store_view(
        self, view: dict[str, Any], view_id: str | None = None, *, root: str | None = None
    ) -> dict[str, Any]:
        vid = view_id or self._new_id("V")
        stored: dict[str, Any] = {
            "id": vid,
            "team_id": self.team_id,
            "type": view.get("type", "modal"),
            "blocks": [],
            "private_metadata": "",
            "callback_id": "",
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{uuid.uuid4().hex[:8]}",
            "title": None,
            "clear_on_close": False,
            "notify_on_close": False,
            "close": None,
            "submit": None,
            "previous_view_id": None,
            "root_view_id": root or vid,
            "app_id": self.app_id,
            "external_id": "",
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
        }
        stored.update({k: v for k, v in view.items() if k not in ("id", "hash", "state")})
        with self._lock:
            self._views[vid] = stored
        return stored

    # ----------------------------------------------------------------------------------------------------
    # Web API methods: each takes the Call and returns the answer (``ok`` is added) or raises SlackError

    def _api_api_test(self, call: Call) -> dict[str, Any]:
        return {"args": {k: v for k, v in call.args.items() if k != "token"}}

    def _api_auth_test(self, call: Call) -> dict[str, Any]:
        team_id, team_name = self._team_of(call.token)
        token = call.token or ""
        answer: dict[str, Any] = {
            "url": f"https://{self.team_domain}.slack.com/",
            "team": team_name,
            "team_id": team_id,
            "is_enterprise_install": False,
        }
        if "xoxb-" in token:
            answer.update(user="outsource-review", user_id=self.bot_user_id, bot_id=self.bot_id)
        elif token.startswith("xapp-"):
            answer.update(app_id=self.app_id, app_name="Outsource Review")
        else:
            with self._lock:
                uid = self._token_users.get(token, p.USER_ID)
            user = self._user(uid)
            answer.update(user=user.name if user else uid, user_id=uid)
        return answer

    def _api_auth_revoke(self, call: Call) -> dict[str, Any]:
        if str(call.args.get("test", "")).lower() in ("1", "true"):
            return {"revoked": False}
        if call.token:
            self.revoke(call.token)
        return {"revoked": True}

    def _api_chat_postMessage(self, call: Call) -> dict[str, Any]:
        ch = self._resolve_channel(call, posting=True)
        blocks = self._blocks_arg(call, MESSAGE_BLOCK_LIMIT)
        text = self._message_text(call, blocks)
        thread_ts = _str_or_none(call.args.get("thread_ts"))
        metadata = call.json_arg("metadata")
        msg = Message(
            channel=ch.id,
            ts=self._next_ts(),
            text=text,
            blocks=blocks,
            user=self.bot_user_id,
            thread_ts=thread_ts,
            bot_id=self.bot_id,
            metadata=metadata if isinstance(metadata, dict) else None,
        )
        with self._lock:
            self._messages[(ch.id, msg.ts)] = msg
        message = msg.to_slack(self.team_id)
        message.update(app_id=self.app_id, bot_profile=self._bot_profile())
        return {"channel": ch.id, "ts": msg.ts, "message": message}

    def _bot_profile(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "app_id": self.app_id,
            "name": "Outsource Review",
            "deleted": False,
            "team_id": self.team_id,
            "icons": {"image_36": "https://a.slack-edge.com/80588/img/plugins/app/bot_36.png"},
        }

    def _existing_bot_message(self, call: Call, ch: Channel) -> Message:
        ts = str(call.args.get("ts") or "")
        with self._lock:
            msg = self._messages.get((ch.id, ts))
        if msg is None or msg.deleted:
            raise SlackError("message_not_found")
        if msg.user != self.bot_user_id:
            raise SlackError("cant_update_message")
        return msg

    def _api_chat_update(self, call: Call) -> dict[str, Any]:
        ch = self._resolve_channel(call, posting=True)
        msg = self._existing_bot_message(call, ch)
        blocks = self._blocks_arg(call, MESSAGE_BLOCK_LIMIT)
        text = str(call.args.get("text") or "")
        if len(text) > MESSAGE_TEXT_LIMIT:
            raise SlackError("msg_too_long")
        if not text and not blocks and not call.args.get("attachments"):
            raise SlackError("no_text")
        with self._lock:
            msg.text = text
            if "blocks" in call.args:
                msg.blocks = blocks
            msg.edits += 1
        message = msg.to_slack(self.team_id)
        return {"channel": ch.id, "ts": msg.ts, "text": msg.text, "message": message}

    def _api_chat_delete(self, call: Call) -> dict[str, Any]:
        ch = self._resolve_channel(call)
        msg = self._existing_bot_message(call, ch)
        with self._lock:
            msg.deleted = True
        return {"channel": ch.id, "ts": msg.ts}

    def _api_chat_postEphemeral(self, call: Call) -> dict[str, Any]:
        self._resolve_channel(call, posting=True)
        if not call.args.get("user"):
            raise SlackError("user_not_found")
        self._message_text(call, self._blocks_arg(call, MESSAGE_BLOCK_LIMIT))
        return {"message_ts": self._next_ts()}

    def _api_chat_deleteScheduledMessage(self, call: Call) -> dict[str, Any]:
        ch = self._resolve_channel(call, posting=True)
        scheduled_id = str(call.args.get("scheduled_message_id") or "")
        if self._scheduled.get(scheduled_id) != ch.id:
            raise SlackError("invalid_scheduled_message_id")
        del self._scheduled[scheduled_id]
        return {}

    def scheduled_messages(self) -> list[str]:
        """Ids of the messages scheduled and not deleted (the fake never posts them)."""
        with self._lock:
            return list(self._scheduled)

    def _api_chat_scheduleMessage(self, call: Call) -> dict[str, Any]:
        ch = self._resolve_channel(call, posting=True)
        blocks = self._blocks_arg(call, MESSAGE_BLOCK_LIMIT)
        text = self._message_text(call, blocks)
        try:
            post_at = int(float(call.args.get("post_at", "")))
        except ValueError:
            raise SlackError("invalid_time") from None
        if post_at < int(time.time()):
            raise SlackError("time_in_past")
        if post_at > int(time.time()) + 120 * 86_400:
            raise SlackError("time_too_far")
        scheduled_id = self._new_id("Q")
        self._scheduled[scheduled_id] = ch.id
        return {
            "channel": ch.id,
            "scheduled_message_id": scheduled_id,
            "post_at": post_at,
            "message": {
                "text": text,
                "blocks": blocks,
                "bot_id": self.bot_id,
                "type": "delayed_message",
                "subtype": "bot_message",
                "team": self.team_id,
            },
        }

    def _api_chat_getPermalink(self, call: Call) -> dict[str, Any]:
        ch = self._resolve_channel(call)
        ts = str(call.args.get("message_ts") or "")
        if not ts:
            raise SlackError("message_not_found")
        return {
            "channel": ch.id,
            "permalink": f"https://{self.team_domain}.slack.com/archives/{ch.id}/p{ts.replace('.', '')}",
        }

    def _open_view(self, call: Call) -> dict[str, Any]:
        if not call.args.get("trigger_id") and not call.args.get("interactivity_pointer"):
            raise SlackError(
                "invalid_arguments", response_metadata={"messages": ["[ERROR] missing trigger_id"]}
            )
        view = self._view_arg(call)
        if view.get("type") != "modal":
            raise SlackError(
                "invalid_arguments", response_metadata={"messages": ["[ERROR] view.type must be modal"]}
            )
        return {"view": self._store_view(view)}

    def _api_views_open(self, call: Call) -> dict[str, Any]:
        return self._open_view(call)

    def _api_views_push(self, call: Call) -> dict[str, Any]:
        return self._open_view(call)

    def _api_views_update(self, call: Call) -> dict[str, Any]:
        view = self._view_arg(call)
        view_id = _str_or_none(call.args.get("view_id"))
        external_id = _str_or_none(call.args.get("external_id"))
        with self._lock:
            if view_id is None and external_id is not None:
                view_id = next(
                    (k for k, v in self._views.items() if v.get("external_id") == external_id), None
                )
            current = self._views.get(view_id or "")
            if current is None:
                raise SlackError("not_found")
            wanted_hash = _str_or_none(call.args.get("hash"))
            if wanted_hash is not None and wanted_hash != current["hash"]:
                raise SlackError("hash_conflict")
            stored = self._store_view(view, current["id"], root=current["root_view_id"])
        return {"view": stored}

    def _api_views_publish(self, call: Call) -> dict[str, Any]:
        user_id = _str_or_none(call.args.get("user_id"))
        if not user_id or self._user(user_id) is None:
            raise SlackError("user_not_found")
        view = self._view_arg(call)
        if view.get("type") != "home":
            raise SlackError(
                "invalid_arguments", response_metadata={"messages": ["[ERROR] view.type must be home"]}
            )
        with self._lock:
            existing = self._home_views.get(user_id)
            stored = self._store_view(view, existing)
            self._home_views[user_id] = stored["id"]
        return {"view": stored}

    def _channel_info(self, ch: Channel) -> dict[str, Any]:
        return {
            "id": ch.id,
            "name": ch.name,
            "name_normalized": ch.name,
            "is_channel": not ch.is_private and not ch.is_im,
            "is_group": ch.is_private and not ch.is_im,
            "is_im": ch.is_im,
            "is_mpim": False,
            "is_private": ch.is_private or ch.is_im,
            "is_archived": ch.is_archived,
            "is_general": False,
            "is_member": ch.is_member,
            "is_shared": False,
            "is_ext_shared": False,
            "is_org_shared": False,
            "created": 1_690_000_000,
            "creator": p.USER_ID,
            "context_team_id": self.team_id,
            "topic": {"value": "", "creator": "", "last_set": 0},
            "purpose": {"value": "", "creator": "", "last_set": 0},
        }

    def _api_conversations_info(self, call: Call) -> dict[str, Any]:
        return {"channel": self._channel_info(self._resolve_channel(call))}

    def _api_conversations_open(self, call: Call) -> dict[str, Any]:
        users = [u for u in str(call.args.get("users") or "").split(",") if u]
        if not users:
            raise SlackError("users_list_not_supplied")
        ch = self.channel("D" + users[0][1:])
        return {"channel": {"id": ch.id}}

    def _api_conversations_members(self, call: Call) -> dict[str, Any]:
        ch = self._resolve_channel(call)
        members = ([self.bot_user_id] if ch.is_member else []) + [
            m for m in (p.actors() if ch.members is None else ch.members) if m != self.bot_user_id
        ]
        return {"members": members, "response_metadata": {"next_cursor": ""}}

    def _api_conversations_replies(self, call: Call) -> dict[str, Any]:
        ch = self._resolve_channel(call)
        ts = str(call.args.get("ts") or "")
        msgs = self.messages(ch.id, thread_ts=ts)
        if not msgs:
            raise SlackError("thread_not_found")
        # The parent first, then the replies in the time range (`oldest`/`latest`, exclusive unless
        # `inclusive`), a page of `limit` at a time (the cursor is the offset).
        in_range = _time_range(call)
        replies = [m for m in msgs if m.ts != ts and in_range(m)]
        start = int(str(call.args.get("cursor") or "0") or "0")
        limit = int(str(call.args.get("limit") or "1000"))
        page = replies[start : start + limit]
        more = start + limit < len(replies)
        metadata = _flag(call, "include_all_metadata")
        return {
            "messages": [m.to_slack(self.team_id, with_metadata=metadata) for m in [*msgs[:1], *page]],
            "has_more": more,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    def _api_conversations_history(self, call: Call) -> dict[str, Any]:
        """The channel's messages (not thread replies), newest first, after `oldest` / before `latest` (both
        exclusive unless `inclusive`); metadata only with `include_all_metadata`, as Slack does."""
        ch = self._resolve_channel(call)
        in_range = _time_range(call)
        msgs = [m for m in self.messages(ch.id) if m.thread_ts in (None, m.ts) and in_range(m)]
        metadata = _flag(call, "include_all_metadata")
        return {
            "messages": [m.to_slack(self.team_id, with_metadata=metadata) for m in reversed(msgs)],
            "has_more": False,
            "pin_count": 0,
            "response_metadata": {"next_cursor": ""},
        }

    def _api_users_info(self, call: Call) -> dict[str, Any]:
        user = self._user(str(call.args.get("user") or ""))
        if user is None:
            raise SlackError("user_not_found")
        return {
            "user": {
                "id": user.id,
                "team_id": user.team_id,
                "name": user.name,
                "deleted": user.deleted,
                "real_name": user.real_name,
                "tz": user.tz,
                "tz_label": user.tz,
                "tz_offset": user.tz_offset,
                "profile": {
                    "real_name": user.real_name,
                    "display_name": user.name,
                    "real_name_normalized": user.real_name,
                    "display_name_normalized": user.name,
                    "email": user.email,
                    "team": user.team_id,
                },
                "is_admin": user.is_admin,
                "is_owner": user.is_owner,
                "is_primary_owner": False,
                "is_restricted": False,
                "is_ultra_restricted": False,
                "is_bot": user.is_bot,
                "is_app_user": False,
                "updated": 1_690_000_000,
            }
        }

    def _api_team_info(self, call: Call) -> dict[str, Any]:
        team_id, team_name = self._team_of(call.token)
        return {"team": {"id": team_id, "name": team_name, "domain": self.team_domain, "email_domain": ""}}

    def _api_reactions_add(self, call: Call) -> dict[str, Any]:
        self._resolve_channel(call)
        if not call.args.get("name"):
            raise SlackError("invalid_name")
        return {}

    def _api_files_getUploadURLExternal(self, call: Call) -> dict[str, Any]:
        filename = _str_or_none(call.args.get("filename"))
        if not filename:
            raise SlackError(
                "invalid_arguments", response_metadata={"messages": ["[ERROR] missing filename"]}
            )
        try:
            length = int(call.args.get("length", ""))
        except ValueError:
            raise SlackError(
                "invalid_arguments", response_metadata={"messages": ["[ERROR] bad length"]}
            ) from None
        if length < 1:
            raise SlackError(
                "invalid_arguments", response_metadata={"messages": ["[ERROR] length must be > 0"]}
            )
        file_id = self._new_id("F")
        with self._lock:
            self._files[file_id] = UploadedFile(
                file_id=file_id,
                filename=filename,
                title=filename,
                content=b"",
                alt_txt=_str_or_none(call.args.get("alt_txt")),
                snippet_type=_str_or_none(call.args.get("snippet_type")),
            )
        return {"upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}

    def _api_files_completeUploadExternal(self, call: Call) -> dict[str, Any]:
        items = call.json_arg("files")
        if not isinstance(items, list) or not items:
            raise SlackError("invalid_arguments", response_metadata={"messages": ["[ERROR] missing files"]})
        channel_id = _str_or_none(call.args.get("channel_id"))
        channels = [c for c in str(call.args.get("channels") or "").split(",") if c]
        if channel_id:
            channels.insert(0, channel_id)
        for cid in channels:
            self._resolve_channel(_with_args(call, channel=cid), posting=True)
        answer = []
        with self._lock:
            for item in items:
                f = self._files.get(str(item.get("id")))
                if f is None or not f.content:
                    raise SlackError("file_not_found")
            for item in items:
                f = self._files[str(item["id"])]
                f.title = str(item.get("title") or f.filename)
                f.channel_id = channels[0] if channels else None
                f.thread_ts = _str_or_none(call.args.get("thread_ts"))
                f.initial_comment = _str_or_none(call.args.get("initial_comment"))
                f.completed = True
                self._files[f.file_id] = self._files.pop(f.file_id)  # completion order
                answer.append({"id": f.file_id, "title": f.title})
        return {"files": answer}

    def _api_apps_connections_open(self, call: Call) -> dict[str, Any]:
        source = self.socket_url
        if callable(source):
            url = source()
        elif source:
            url = source
        else:
            url = _UNREACHABLE_WS.format(ticket=uuid.uuid4(), app_id=self.app_id)
        return {"url": url}

    def _api_oauth_v2_access(self, call: Call) -> dict[str, Any]:
        client_id, client_secret = _client_credentials(call)
        if self.client_id is not None and client_id != self.client_id:
            raise SlackError("invalid_client_id")
        if self.client_secret is not None and client_secret != self.client_secret:
            raise SlackError("bad_client_secret")
        team_id, team_name = self.oauth_team
        user_id = self.oauth_user_id
        if call.args.get("grant_type") == "refresh_token":
            refresh = str(call.args.get("refresh_token") or "")
            with self._lock:
                if refresh not in self._refresh_tokens:
                    raise SlackError("invalid_refresh_token")
                team_id, team_name = self._refresh_tokens[refresh]
        else:
            code = str(call.args.get("code") or "")
            with self._lock:
                if not code or code == "invalid" or code in self._used_codes:
                    raise SlackError("invalid_code")
                self._used_codes.add(code)
        n = next(self._ids)
        prefix = "xoxe.xoxb-1-" if self.token_rotation else "xoxb-"
        token = f"{prefix}{team_id}-{n}-{uuid.uuid4().hex[:24]}"
        answer: dict[str, Any] = {
            "access_token": token,
            "token_type": "bot",
            "scope": ",".join(self.bot_scopes),
            "bot_user_id": self.bot_user_id,
            "app_id": self.app_id,
            "team": {"id": team_id, "name": team_name},
            "enterprise": None,
            "is_enterprise_install": False,
            "authed_user": {"id": user_id},
        }
        with self._lock:
            self.issued_tokens.append(token)
            self._token_teams[token] = (team_id, team_name)
            if self.token_rotation:
                refresh_token = f"xoxe-1-{uuid.uuid4().hex}"
                self._refresh_tokens[refresh_token] = (team_id, team_name)
                answer.update(refresh_token=refresh_token, expires_in=self.token_expires_in)
        return answer


# --------------------------------------------------------------------------------------------------------
# Block Kit limits (a subset of Slack's validation: the limits that bite, see DESIGN.md)


def _plain_len(obj: Any) -> int:
    if isinstance(obj, dict):
        return len(str(obj.get("text", "")))
    return len(str(obj or ""))


def _check_element(el: Any, where: str, out: list[str]) -> None:
    if not isinstance(el, dict) or not isinstance(el.get("type"), str):
        out.append(f"element must be an object with a type [json-pointer:{where}]")
        return
    if len(str(el.get("action_id", ""))) > 255:
        out.append(f"action_id must be at most 255 characters [json-pointer:{where}/action_id]")
    kind = el["type"]
    if kind == "button":
        if _plain_len(el.get("text")) > 75:
            out.append(f"must be less than 76 characters [json-pointer:{where}/text/text]")
        if len(str(el.get("value", ""))) > 2000:
            out.append(f"must be less than 2001 characters [json-pointer:{where}/value]")
    options = el.get("options")
    if isinstance(options, list):
        limit = 10 if kind in ("checkboxes", "radio_buttons") else 5 if kind == "overflow" else 100
        if len(options) > limit:
            out.append(f"must be less than {limit + 1} items [json-pointer:{where}/options]")
        if kind == "overflow" and len(options) < 2:
            out.append(f"must provide at least 2 items [json-pointer:{where}/options]")
        for i, opt in enumerate(options):
            if not isinstance(opt, dict):
                continue
            if _plain_len(opt.get("text")) > 75:
                out.append(f"must be less than 76 characters [json-pointer:{where}/options/{i}/text/text]")
            if len(str(opt.get("value", ""))) > 150:
                out.append(f"must be less than 151 characters [json-pointer:{where}/options/{i}/value]")
    if isinstance(el.get("placeholder"), dict) and _plain_len(el["placeholder"]) > 150:
        out.append(f"must be less than 151 characters [json-pointer:{where}/placeholder/text]")


def block_problems(
    blocks: Sequence[Any], *, limit: int = MESSAGE_BLOCK_LIMIT, where: str = "/blocks"
) -> list[str]:
    """Problems Slack would report for ``blocks`` (empty when they pass); messages read like Slack's."""
    out: list[str] = []
    if len(blocks) > limit:
        out.append(f"must be less than {limit + 1} items [json-pointer:{where}]")
    seen_ids: set[str] = set()
    for i, block in enumerate(blocks):
        here = f"{where}/{i}"
        if not isinstance(block, dict) or not isinstance(block.get("type"), str):
            out.append(f"block must be an object with a type [json-pointer:{here}]")
            continue
        block_id = block.get("block_id")
        if block_id is not None:
            if len(str(block_id)) > 255:
                out.append(f"must be less than 256 characters [json-pointer:{here}/block_id]")
            if block_id in seen_ids:
                out.append(f"duplicate block_id {block_id!r} [json-pointer:{here}/block_id]")
            seen_ids.add(str(block_id))
        kind = block["type"]
        if kind == "section":
            text, fields = block.get("text"), block.get("fields")
            if text is None and not fields:
                out.append(f"must provide text or fields [json-pointer:{here}]")
            if text is not None and _plain_len(text) > 3000:
                out.append(f"must be less than 3001 characters [json-pointer:{here}/text/text]")
            if text is not None and _plain_len(text) < 1:
                out.append(f"must be more than 0 characters [json-pointer:{here}/text/text]")
            if isinstance(fields, list):
                if len(fields) > 10:
                    out.append(f"must be less than 11 items [json-pointer:{here}/fields]")
                for j, f in enumerate(fields):
                    if _plain_len(f) > 2000:
                        out.append(f"must be less than 2001 characters [json-pointer:{here}/fields/{j}/text]")
            if block.get("accessory") is not None:
                _check_element(block["accessory"], f"{here}/accessory", out)
        elif kind == "header":
            text = block.get("text")
            if not isinstance(text, dict) or text.get("type") != "plain_text":
                out.append(f"header text must be plain_text [json-pointer:{here}/text]")
            elif _plain_len(text) > 150:
                out.append(f"must be less than 151 characters [json-pointer:{here}/text/text]")
        elif kind == "actions":
            elements = block.get("elements")
            if not isinstance(elements, list) or not elements:
                out.append(f"must provide at least 1 item [json-pointer:{here}/elements]")
                continue
            if len(elements) > 25:
                out.append(f"must be less than 26 items [json-pointer:{here}/elements]")
            action_ids = [e.get("action_id") for e in elements if isinstance(e, dict) and e.get("action_id")]
            if len(action_ids) != len(set(action_ids)):
                out.append(f"duplicate action_id in block [json-pointer:{here}/elements]")
            for j, el in enumerate(elements):
                _check_element(el, f"{here}/elements/{j}", out)
        elif kind == "context":
            elements = block.get("elements")
            if not isinstance(elements, list) or not elements:
                out.append(f"must provide at least 1 item [json-pointer:{here}/elements]")
            elif len(elements) > 10:
                out.append(f"must be less than 11 items [json-pointer:{here}/elements]")
        elif kind == "input":
            if _plain_len(block.get("label")) > 2000:
                out.append(f"must be less than 2001 characters [json-pointer:{here}/label/text]")
            if block.get("element") is None:
                out.append(f"missing required field: element [json-pointer:{here}]")
            else:
                _check_element(block["element"], f"{here}/element", out)
    return out


def view_problems(view: Mapping[str, Any]) -> list[str]:
    """Problems Slack would report for a modal / Home tab view (empty when it passes)."""
    out: list[str] = []
    kind = view.get("type")
    if kind not in ("modal", "home"):
        out.append("view.type must be modal or home [json-pointer:/view/type]")
    blocks = view.get("blocks")
    if not isinstance(blocks, list):
        out.append("missing required field: blocks [json-pointer:/view]")
        blocks = []
    if kind == "modal":
        title = view.get("title")
        if not isinstance(title, dict) or title.get("type") != "plain_text":
            out.append("missing required field: title [json-pointer:/view]")
        elif not 0 < _plain_len(title) <= 24:
            out.append("must be less than 25 characters [json-pointer:/view/title/text]")
        for name in ("submit", "close"):
            if isinstance(view.get(name), dict) and _plain_len(view[name]) > 24:
                out.append(f"must be less than 25 characters [json-pointer:/view/{name}/text]")
        if any(isinstance(b, dict) and b.get("type") == "input" for b in blocks) and not view.get("submit"):
            out.append("must provide submit when using input blocks [json-pointer:/view/submit]")
    if len(str(view.get("private_metadata", ""))) > 3000:
        out.append("must be less than 3001 characters [json-pointer:/view/private_metadata]")
    if len(str(view.get("callback_id", ""))) > 255:
        out.append("must be less than 256 characters [json-pointer:/view/callback_id]")
    out.extend(block_problems(blocks, limit=VIEW_BLOCK_LIMIT, where="/view/blocks"))
    return out


# --------------------------------------------------------------------------------------------------------
# HTTP plumbing


class _Server(ThreadingHTTPServer):
    """Keeps connections open between requests, as Slack does (HTTP/1.1 keep-alive), and knows them: `stop`
    closes them, so a client holding one finds it closed instead of talking to a stopped fake."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # many clients connecting at once (socketserver's default is 5)
    block_on_close = False
    fake: FakeSlack

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.open_connections: set[socket.socket] = set()
        self.connections_accepted = 0
        self._connections_lock = threading.Lock()
        super().__init__(*args, **kwargs)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self.open_connections.add(request)
            self.connections_accepted += 1
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self.open_connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away before its answer (killed, timed out) is no error of the fake's."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)

    def close_connections(self) -> None:
        with self._connections_lock:
            connections, self.open_connections = self.open_connections, set()
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class _RequestHandler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    timeout = 60  # an idle kept-alive connection is closed after this many seconds
    disable_nagle_algorithm = True

    def do_POST(self) -> None:
        self._dispatch()

    def do_GET(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        try:
            self.server.fake._handle(self)
        except Exception as e:  # a bug in the fake: answer like a broken server, visibly
            with contextlib.suppress(Exception):
                self.send_text(500, f"fake_slack error: {type(e).__name__}: {e}")
            raise

    def send_answer(self, status: int, answer: dict[str, Any] | str, headers: Mapping[str, str]) -> None:
        if isinstance(answer, str):
            self.send_text(status, answer, headers)
            return
        self._send(status, "application/json", json.dumps(answer).encode("utf-8"), headers)

    def send_text(self, status: int, text: str, headers: Mapping[str, str] | None = None) -> None:
        self._send(status, "text/plain", text.encode("utf-8"), headers or {})

    def _send(self, status: int, content_type: str, data: bytes, headers: Mapping[str, str]) -> None:
        """The answer; the connection stays open for the client's next request."""
        self.send_response(status)
        self.send_header("Content-Type", f"{content_type}; charset=utf-8")
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def _parse_body(content_type: str, body: bytes) -> dict[str, Any]:
    if not body:
        return {}
    ctype = content_type.split(";")[0].strip().lower()
    if ctype == "application/json":
        data = json.loads(body.decode("utf-8"))
        return data if isinstance(data, dict) else {"_json": data}
    if ctype == "multipart/form-data":
        out: dict[str, Any] = {}
        for name, filename, value in _multipart_parts(content_type, body):
            if filename is None:
                out[name] = value.decode("utf-8")
            else:
                out[name] = value
        return out
    return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))


def _multipart_parts(content_type: str, body: bytes) -> Iterator[tuple[str, str | None, bytes]]:
    raw = b"Content-Type: " + content_type.encode("latin-1") + b"\r\nMIME-Version: 1.0\r\n\r\n" + body
    msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(raw)
    for part in msg.iter_parts():
        name = part.get_param("name", header="content-disposition")
        filename = part.get_filename()
        payload = part.get_payload(decode=True)
        yield str(name or ""), filename, payload if isinstance(payload, bytes) else b""


def _first_file_part(content_type: str, body: bytes) -> bytes:
    parts = list(_multipart_parts(content_type, body))
    for name, filename, value in parts:
        if filename is not None or name == "file":
            return value
    return parts[0][2] if parts else b""


def _bearer(value: str | None) -> str | None:
    if value and value.lower().startswith("bearer "):
        return value[7:].strip()
    return None


def _client_credentials(call: Call) -> tuple[str | None, str | None]:
    auth = call.headers.get("authorization", "")
    if auth.lower().startswith("basic "):
        with contextlib.suppress(ValueError):
            decoded = base64.b64decode(auth[6:].strip()).decode("utf-8")
            cid, _, secret = decoded.partition(":")
            return cid, secret
    return _str_or_none(call.args.get("client_id")), _str_or_none(call.args.get("client_secret"))


def _time_range(call: Call) -> Callable[[Message], bool]:
    """Whether a message is in the call's `oldest` / `latest` range (exclusive unless `inclusive`)."""
    inclusive = _flag(call, "inclusive")
    oldest, latest = call.args.get("oldest"), call.args.get("latest")

    def in_range(m: Message) -> bool:
        at = float(m.ts)
        if oldest is not None and (at < float(oldest) or (at == float(oldest) and not inclusive)):
            return False
        return latest is None or at < float(latest) or (at == float(latest) and inclusive)

    return in_range


def _flag(call: Call, name: str) -> bool:
    """A boolean argument, sent as true / 1 (form) or a JSON boolean."""
    return str(call.args.get(name) or "").lower() in ("1", "true")


def _str_or_none(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return str(value)


def _decode_json_field(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _with_args(call: Call, **args: Any) -> Call:
    return Call(
        seq=call.seq,
        method=call.method,
        args={**call.args, **args},
        token=call.token,
        time=call.time,
        http_method=call.http_method,
        path=call.path,
        headers=call.headers,
        body=call.body,
    )


def _collect_text(obj: Any, out: list[str]) -> None:
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k == "text" and isinstance(v, str):
                out.append(v)
            else:
                _collect_text(v, out)
    elif isinstance(obj, list):
        for v in obj:
            _collect_text(v, out)


def _short(args: Mapping[str, Any], limit: int = 120) -> str:
    text = json.dumps({k: v for k, v in args.items() if k != "token"}, default=str)
    return text if len(text) <= limit else text[: limit - 3] + "..."
