"""Send correctly (or deliberately wrongly) signed Slack requests over real HTTP to a running bot.

    slack = SignedClient("http://127.0.0.1:3000", signing_secret="s3cret")
    reply = slack.slash_command("Q3 review")                     # a form post, like Slack's
    assert reply.status == 200
    slack.block_actions([payloads.button("step_done", "1")], message_ts=ts)
    slack.event(payloads.message_event("2 4 2 3 5 2", thread_ts=ts), retry_num=1, retry_reason="http_timeout")
    assert slack.slash_command("x", signing=Signing.STALE).status == 401

Signing follows Slack: ``X-Slack-Signature: v0=<hex HMAC-SHA256 of "v0:{timestamp}:{body}">`` with
``X-Slack-Request-Timestamp: {timestamp}``. Only the standard library is used.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import http.client
import json
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple
from urllib.parse import urlencode, urlsplit

from tests.support import payloads as p

STALE_AGE_SECONDS = 6 * 60
"""How old a ``Signing.STALE`` timestamp is (Slack and Bolt refuse anything older than 5 minutes)."""

USER_AGENT = "Slackbot 1.0 (+https://api.slack.com/robots)"


class Signing(enum.Enum):
    VALID = "valid"
    FORGED = "forged"
    """Signed with a wrong secret."""
    STALE = "stale"
    """Correctly signed, but the timestamp is older than 5 minutes."""
    UNSIGNED = "unsigned"
    """No signature and no timestamp header."""
    TAMPERED = "tampered"
    """Correctly signed, then the body was changed."""


class Reply(NamedTuple):
    status: int
    headers: dict[str, str]
    """Response headers with lower-case names."""
    text: str

    def json(self) -> Any:
        return json.loads(self.text)


def signature(signing_secret: str, timestamp: int | str, body: bytes | str) -> str:
    """Slack's request signature: ``v0=`` + hex HMAC-SHA256 of ``v0:{timestamp}:{body}``."""
    raw = body.encode("utf-8") if isinstance(body, str) else body
    base = b"v0:" + str(timestamp).encode("ascii") + b":" + raw
    return "v0=" + hmac.new(signing_secret.encode("utf-8"), base, hashlib.sha256).hexdigest()


def signed_headers(
    signing_secret: str, body: bytes | str, *, signing: Signing = Signing.VALID, timestamp: int | None = None
) -> dict[str, str]:
    """The two signature headers for ``body`` (empty for ``Signing.UNSIGNED``)."""
    if signing is Signing.UNSIGNED:
        return {}
    ts = timestamp if timestamp is not None else int(time.time())
    if signing is Signing.STALE and timestamp is None:
        ts -= STALE_AGE_SECONDS
    secret = signing_secret if signing is not Signing.FORGED else signing_secret + "-forged"
    return {"X-Slack-Request-Timestamp": str(ts), "X-Slack-Signature": signature(secret, ts, body)}


def _tamper(body: bytes, content_type: str) -> bytes:
    if content_type.startswith("application/json"):
        data = json.loads(body)
        if isinstance(data, dict):
            data["tampered"] = True
            return json.dumps(data).encode("utf-8")
        return body + b" "
    return body + b"&tampered=1"


class SignedClient:
    """Posts Slack-shaped, signed requests to ``base_url + path`` (default path ``/slack/events``)."""

    def __init__(
        self,
        base_url: str,
        signing_secret: str,
        *,
        path: str = "/slack/events",
        timeout: float = 10.0,
        response_url: str | Callable[[], str] | None = None,
    ) -> None:
        """``response_url``: what slash commands and block actions carry; pass ``FakeSlack.response_url``
        so that ``respond()`` lands in the fake (the default points at a closed local port)."""
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"base_url must be http(s)://host[:port][/prefix], got {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self.signing_secret = signing_secret
        self.path = path
        self.timeout = timeout
        self.response_url = response_url
        # Called after every signed request: waits until what the request wrote to the outbox is delivered
        # (`tests.support.bots`), so tests wait on delivery instead of sleeping.
        self.settle: Callable[[], None] | None = None
        self._scheme = parts.scheme
        self._host = parts.hostname
        self._port = parts.port
        self._prefix = parts.path.rstrip("/")

    # ----------------------------------------------------------------------------------------------------
    # low level

    def request(
        self,
        method: str,
        path: str,
        body: bytes = b"",
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        """One plain HTTP request (no signing); ``path`` is relative to ``base_url``."""
        conn_cls = http.client.HTTPSConnection if self._scheme == "https" else http.client.HTTPConnection
        conn = conn_cls(self._host, self._port, timeout=self.timeout)
        try:
            all_headers = {"User-Agent": USER_AGENT, **(headers or {})}
            if body or method == "POST":
                all_headers.setdefault("Content-Length", str(len(body)))
            conn.request(method, self._prefix + path, body=body or None, headers=all_headers)
            resp = conn.getresponse()
            data = resp.read()
            charset = resp.headers.get_content_charset() or "utf-8"
            return Reply(
                resp.status, {k.lower(): v for k, v in resp.getheaders()}, data.decode(charset, "replace")
            )
        finally:
            conn.close()

    def get(self, path: str) -> Reply:
        return self.request("GET", path)

    def post(
        self,
        body: bytes | str,
        content_type: str,
        *,
        signing: Signing = Signing.VALID,
        headers: Mapping[str, str] | None = None,
        path: str | None = None,
        timestamp: int | None = None,
        tamper: Callable[[bytes], bytes] | None = None,
    ) -> Reply:
        """Signs ``body`` as asked and posts it. ``tamper`` changes the body after signing (for TAMPERED)."""
        raw = body.encode("utf-8") if isinstance(body, str) else body
        all_headers = {"Content-Type": content_type}
        all_headers.update(signed_headers(self.signing_secret, raw, signing=signing, timestamp=timestamp))
        if signing is Signing.TAMPERED:
            raw = tamper(raw) if tamper is not None else _tamper(raw, content_type)
        all_headers.update(headers or {})
        reply = self.request("POST", path or self.path, raw, all_headers)
        if self.settle is not None:
            self.settle()
        return reply

    def post_form(self, fields: Mapping[str, Any], **options: Any) -> Reply:
        return self.post(urlencode(dict(fields)), "application/x-www-form-urlencoded", **options)

    def post_json(self, data: Any, **options: Any) -> Reply:
        return self.post(json.dumps(data), "application/json", **options)

    def _response_url(self) -> str | None:
        source = self.response_url
        return source() if callable(source) else source

    # ----------------------------------------------------------------------------------------------------
    # slash commands and interactions

    def command(
        self, fields: Mapping[str, str], *, signing: Signing = Signing.VALID, **options: Any
    ) -> Reply:
        """Posts prepared slash-command fields (``payloads.slash_command(...)``)."""
        return self.post_form(fields, signing=signing, **options)

    def slash_command(
        self,
        text: str = "",
        *,
        command: str = p.COMMAND,
        signing: Signing = Signing.VALID,
        headers: Mapping[str, str] | None = None,
        **fields: Any,
    ) -> Reply:
        """``/outsource-review <text>``; other fields (user_id, channel_id, ...) as in ``payloads.slash_command``."""
        fields.setdefault("response_url", self._response_url())
        return self.command(p.slash_command(command, text, **fields), signing=signing, headers=headers)

    def interaction(
        self, payload: Mapping[str, Any], *, signing: Signing = Signing.VALID, **options: Any
    ) -> Reply:
        """Posts any interaction payload as Slack does: a form with one field, ``payload=<json>``."""
        return self.post_form({"payload": json.dumps(payload)}, signing=signing, **options)

    def block_actions(
        self,
        actions: Sequence[Mapping[str, Any]],
        *,
        signing: Signing = Signing.VALID,
        headers: Mapping[str, str] | None = None,
        **fields: Any,
    ) -> Reply:
        """A ``block_actions`` payload (``payloads.block_actions`` kwargs: message_ts, thread_ts, view, ...)."""
        if fields.get("view") is None:
            fields.setdefault("response_url", self._response_url())
        return self.interaction(p.block_actions(actions, **fields), signing=signing, headers=headers)

    def view_submission(
        self,
        callback_id: str,
        values: Mapping[str, Mapping[str, Mapping[str, Any]]] | None = None,
        *,
        signing: Signing = Signing.VALID,
        headers: Mapping[str, str] | None = None,
        **fields: Any,
    ) -> Reply:
        return self.interaction(
            p.view_submission(callback_id, values, **fields), signing=signing, headers=headers
        )

    def view_closed(
        self,
        callback_id: str,
        *,
        signing: Signing = Signing.VALID,
        headers: Mapping[str, str] | None = None,
        **fields: Any,
    ) -> Reply:
        return self.interaction(p.view_closed(callback_id, **fields), signing=signing, headers=headers)

    def block_suggestion(
        self,
        action_id: str,
        value: str,
        *,
        signing: Signing = Signing.VALID,
        headers: Mapping[str, str] | None = None,
        **fields: Any,
    ) -> Reply:
        return self.interaction(
            p.block_suggestion(action_id, value, **fields), signing=signing, headers=headers
        )

    # ----------------------------------------------------------------------------------------------------
    # Events API

    def event(
        self,
        event: Mapping[str, Any],
        *,
        retry_num: int | None = None,
        retry_reason: str | None = None,
        signing: Signing = Signing.VALID,
        headers: Mapping[str, str] | None = None,
        **callback_fields: Any,
    ) -> Reply:
        """Posts an Events API callback. ``event`` is the inner event (wrapped with ``payloads.event_callback``
        and ``callback_fields`` such as event_id) or an already built ``event_callback``. ``retry_num`` /
        ``retry_reason`` add Slack's ``X-Slack-Retry-Num`` / ``X-Slack-Retry-Reason`` headers."""
        body = (
            dict(event)
            if event.get("type") == "event_callback"
            else p.event_callback(event, **callback_fields)
        )
        extra: dict[str, str] = {}
        if retry_num is not None:
            extra["X-Slack-Retry-Num"] = str(retry_num)
            extra["X-Slack-Retry-Reason"] = retry_reason or "http_timeout"
        elif retry_reason is not None:
            extra["X-Slack-Retry-Reason"] = retry_reason
        extra.update(headers or {})
        return self.post_json(body, signing=signing, headers=extra)

    def url_verification(self, challenge: str | None = None, *, signing: Signing = Signing.VALID) -> Reply:
        body = p.url_verification(challenge) if challenge is not None else p.url_verification()
        return self.post_json(body, signing=signing)
