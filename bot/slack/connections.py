"""Web API calls over connections kept open between calls.

slack_sdk's WebClient sends every call through `urllib.request.urlopen`, which opens a connection, asks the
server to close it after the answer, and closes it: to slack.com a TCP and a TLS handshake before each call
(tens of milliseconds), on loopback about 0.4 ms of an answer's 3. `PooledWebClient` sends its calls through
an opener whose HTTP and HTTPS handlers take an open connection to the host from a `ConnectionPool` and give
it back once the answer is read. The rest is urllib's as before (an error status raises HTTPError, a failure
to connect or send raises URLError), so slack_sdk's retry handlers see the same answers and exceptions. A
client given a proxy (also from HTTPS_PROXY and the like) or an SSL context of its own goes slack_sdk's way.

Bolt builds a plain WebClient for every request; `ReuseConnections`, a global middleware, hands the listeners
a `PooledWebClient` with the same settings instead.
"""

from __future__ import annotations

import io
import logging
import os
import select
import ssl
import threading
import time
from collections.abc import Callable
from functools import cached_property
from http.client import HTTPConnection, HTTPResponse, HTTPSConnection
from typing import Any
from urllib.error import URLError
from urllib.request import (
    HTTPHandler,
    HTTPSHandler,
    OpenerDirector,
    ProxyHandler,
    Request,
    build_opener,
)
from urllib.response import addinfourl

from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware
from slack_sdk import WebClient

# (scheme, host:port, timeout): connections are made with their timeout, so it is part of what they are.
_Key = tuple[str, str, Any]


class ConnectionPool:
    """Open connections by host, each used by one request at a time: `take` one (None when there is none to
    reuse), and `give` it back after its answer has been read. At most `per_host` wait per host; one that has
    waited longer than `max_idle` seconds, or that the server has closed meanwhile, is closed, not reused."""

    def __init__(self, per_host: int = 16, max_idle: float = 30.0) -> None:
        self.per_host = per_host
        self.max_idle = max_idle
        self._lock = threading.Lock()
        self._idle: dict[_Key, list[tuple[float, HTTPConnection]]] = {}

    def take(self, key: _Key) -> HTTPConnection | None:
        now = time.monotonic()
        with self._lock:
            idle = self._idle.get(key)
            while idle:
                since, connection = idle.pop()
                if now - since <= self.max_idle and _still_open(connection):
                    return connection
                connection.close()
        return None

    def give(self, key: _Key, connection: HTTPConnection) -> None:
        with self._lock:
            idle = self._idle.setdefault(key, [])
            if len(idle) < self.per_host:
                idle.append((time.monotonic(), connection))
                return
        connection.close()

    def idle(self) -> int:
        """How many connections wait to be reused."""
        with self._lock:
            return sum(len(idle) for idle in self._idle.values())

    def clear(self) -> None:
        """Close every waiting connection."""
        with self._lock:
            waiting, self._idle = self._idle, {}
        for idle in waiting.values():
            for _, connection in idle:
                connection.close()

    def forget(self) -> None:
        """Drop every waiting connection without closing it: after a fork, the parent's to close."""
        with self._lock:
            self._idle = {}


def _still_open(connection: HTTPConnection) -> bool:
    """Nothing is due on an idle connection: if it reads as ready, the server has closed it (or sent what
    nobody asked for); either way it is not fit for another request."""
    if connection.sock is None:
        return False
    if not hasattr(select, "poll"):  # Windows
        return not select.select([connection.sock], [], [], 0)[0]
    poller = select.poll()
    poller.register(connection.sock, select.POLLIN)
    return not poller.poll(0)


class _Answer(addinfourl):
    """An answer read in full, as urllib's own handlers return it (`msg` is the reason, as urllib sets it)."""

    def __init__(self, response: HTTPResponse, body: bytes, url: str) -> None:
        super().__init__(io.BytesIO(body), response.msg, url, response.status)
        self.msg = response.reason


class _Pooled:
    pool: ConnectionPool

    def _open_pooled(self, req: Request, connect: Callable[[str, Any], HTTPConnection]) -> _Answer:
        if not req.host:
            raise URLError("no host given")
        key = (req.type, req.host, req.timeout)  # the timeout OpenerDirector.open was given
        connection = self.pool.take(key) or connect(req.host, req.timeout)
        # Headers as urllib's do_open puts them, without its `Connection: close`.
        headers = dict(req.unredirected_hdrs)
        headers.update((name, value) for name, value in req.headers.items() if name not in headers)
        headers = {name.title(): value for name, value in headers.items()}
        try:
            try:
                connection.request(
                    req.get_method(),
                    req.selector,
                    req.data,
                    headers,
                    encode_chunked=req.has_header("Transfer-encoding"),
                )
            except OSError as error:  # as urllib: not connected, or not sent
                raise URLError(error) from error
            response = connection.getresponse()
            body = response.read()
        except BaseException:
            connection.close()
            raise
        if response.will_close:
            connection.close()
        else:
            self.pool.give(key, connection)
        return _Answer(response, body, req.full_url)


class PooledHTTPHandler(_Pooled, HTTPHandler):
    def __init__(self, pool: ConnectionPool) -> None:
        super().__init__()
        self.pool = pool

    # urllib takes any answer with code, msg and headers (its own file and FTP handlers give addinfourl).
    def http_open(self, req: Request) -> _Answer:  # type: ignore[override]
        return self._open_pooled(req, lambda host, timeout: HTTPConnection(host, timeout=timeout))


class PooledHTTPSHandler(_Pooled, HTTPSHandler):
    def __init__(self, pool: ConnectionPool, context: ssl.SSLContext | None = None) -> None:
        super().__init__()
        self.pool = pool
        self.given = context

    @cached_property
    def tls(self) -> ssl.SSLContext:
        """The given context, else what urlopen uses when given none: made with the first HTTPS connection,
        not at start-up (loading the system's certificates takes some 50 ms)."""
        return self.given or ssl.create_default_context()

    def https_open(self, req: Request) -> _Answer:  # type: ignore[override]
        return self._open_pooled(
            req, lambda host, timeout: HTTPSConnection(host, timeout=timeout, context=self.tls)
        )


POOL = ConnectionPool()
os.register_at_fork(after_in_child=POOL.forget)
# No proxies here: a client with one (slack_sdk reads them from the environment too) does not come here.
_OPENER: OpenerDirector = build_opener(ProxyHandler({}), PooledHTTPHandler(POOL), PooledHTTPSHandler(POOL))


class PooledWebClient(WebClient):
    """A WebClient whose calls reuse open connections (`POOL`, shared by every such client in the process)."""

    def _perform_urllib_http_request_internal(self, url: str, req: Request) -> dict[str, Any]:
        # slack_sdk's own step of sending one request and reading its answer (the same result), but through
        # the pooled opener instead of a new urlopen connection.
        if self.proxy is not None or self.ssl is not None or not url.lower().startswith("http"):
            return super()._perform_urllib_http_request_internal(url, req)
        answer = _OPENER.open(req, timeout=self.timeout)
        body: bytes | str = answer.read()
        if answer.headers.get_content_type() != "application/gzip":
            body = body.decode(answer.headers.get_content_charset() or "utf-8")  # type: ignore[union-attr]
        if self.logger.isEnabledFor(logging.DEBUG):  # as slack_sdk logs it
            self.logger.debug(
                "Received the following response - status: %s, headers: %s, body: %s",
                answer.status,
                dict(answer.headers),
                body if isinstance(body, str) else "(binary)",
            )
        return {"status": answer.status, "headers": answer.headers, "body": body}


def pooled(client: WebClient) -> PooledWebClient:
    """`client`, or a PooledWebClient with its settings (token, API URL, timeout, headers, team, retries)."""
    if isinstance(client, PooledWebClient):
        return client
    return PooledWebClient(
        token=client.token,
        base_url=client.base_url,
        timeout=client.timeout,
        ssl=client.ssl,
        proxy=client.proxy,
        headers=client.headers,
        team_id=client.default_params.get("team_id"),
        logger=client.logger,
        retry_handlers=client.retry_handlers,
    )


class ReuseConnections(Middleware):
    """Hands the listeners a `PooledWebClient` instead of the plain WebClient Bolt made for the request.
    Registered after Bolt's own middleware, so the client already carries the request's token."""

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse:
        req.context["client"] = pooled(req.context.client)
        return next()
