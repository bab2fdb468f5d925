"""The fake Slack Web API in a process of its own, for load: `python -m tests.benchmarks.fake_server`.

It prints its API URL on the first line of stdout and serves until stdin closes (or it is terminated). It
counts calls per method instead of keeping them: under load the call log would grow by thousands of bodies a
minute. `GET /bench/counts` answers the counts as JSON; `GET /bench/latency?seconds=0.5` makes every Web API
call answer that much later from then on (`--api-latency` sets it from the start). `--members U1,U2` makes them
members of every channel (the access checks ask; the load's people are not the tests' usual actors).
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from collections import Counter
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.support.fake_slack import Call, FakeSlack


class LeanFakeSlack(FakeSlack):
    """FakeSlack that counts calls per method (and their failures) without keeping them."""

    def __init__(self, members: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.counts: Counter[str] = Counter()
        self.counts_lock = threading.Lock()
        self.members = members  # every channel's members, when given

    def add_channel(self, channel_id: str, name: str | None = None, **options: Any) -> Any:
        if options.get("members") is None and self.members is not None:
            options["members"] = self.members
        return super().add_channel(channel_id, name, **options)

    def _finish(self, call: Call, status: int, answer: dict[str, Any] | None) -> None:
        call.status = status
        call.response = answer
        with self.counts_lock:
            self.counts[call.method] += 1
            if not call.ok:
                self.counts[f"{call.method}:failed"] += 1

    def _handle(self, req: Any) -> None:
        if req.path == "/bench/counts":
            with self.counts_lock:
                body = dict(self.counts)
            req.send_answer(200, body, {})
            return
        if req.path.startswith("/bench/latency"):
            self.latency.default = float(parse_qs(urlsplit(req.path).query)["seconds"][0])
            req.send_answer(200, {"latency": self.latency.default}, {})
            return
        super()._handle(req)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--api-latency", type=float, default=0.0, help="seconds each Web API answer takes")
    parser.add_argument("--members", default="", help="user ids (commas) in every channel")
    args = parser.parse_args(argv)
    with LeanFakeSlack(members=[m for m in args.members.split(",") if m] or None) as fake:
        fake.latency.default = args.api_latency
        print(fake.api_url, flush=True)
        sys.stdin.read()  # until the parent closes our stdin
        print(json.dumps(dict(fake.counts)), file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
