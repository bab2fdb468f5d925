"""Signed requests dispatched into the real app in this process: `SignedClient`'s whole API, no server.

`InProcessClient(wsgi, secret)` signs exactly as `SignedClient` does and hands the request to the app's WSGI
callable (`bot.slack.run.build_wsgi`) instead of a socket: Bolt verifies the signature and runs the listeners
as it does behind `serve`, and the response comes back once the listener has finished.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from tests.support.signed import Reply, SignedClient


class InProcessClient(SignedClient):
    def __init__(self, wsgi: Callable[..., Iterable[bytes]], signing_secret: str, **options: Any) -> None:
        super().__init__("http://127.0.0.1:3000", signing_secret, **options)
        self.wsgi = wsgi

    def request(
        self, method: str, path: str, body: bytes = b"", headers: Mapping[str, str] | None = None
    ) -> Reply:
        parts = urlsplit(path)
        environ: dict[str, Any] = {
            "REQUEST_METHOD": method,
            "PATH_INFO": parts.path,
            "QUERY_STRING": parts.query,
            "SERVER_PROTOCOL": "HTTP/1.1",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "3000",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "CONTENT_LENGTH": str(len(body)),
        }
        for name, value in (headers or {}).items():
            if name.lower() == "content-type":
                environ["CONTENT_TYPE"] = value
            else:
                environ["HTTP_" + name.upper().replace("-", "_")] = value
        started: list[tuple[str, list[tuple[str, str]]]] = []

        def start_response(status: str, response_headers: list[tuple[str, str]], *_: Any) -> None:
            started.append((status, response_headers))

        data = b"".join(self.wsgi(environ, start_response))
        status, response_headers = started[0]
        return Reply(
            int(status.split()[0]),
            {k.lower(): v for k, v in response_headers},
            data.decode("utf-8", "replace"),
        )
