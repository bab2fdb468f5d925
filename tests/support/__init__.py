"""Test support: local fakes of Slack (Web API over HTTP, Socket Mode over WebSocket) and signed requests.

- :class:`FakeSlack` (``fake_slack.py``): the Web API; point ``WebClient(base_url=fake.api_url)`` at it.
- :class:`FakeSocketMode` (``fake_socket.py``): the Socket Mode WebSocket server.
- :class:`SignedClient` (``signed.py``): signed slash commands, interactions and events to a bot over HTTP.
- ``payloads``: builders for realistic request payloads, with the ids both fakes use.
- ``fixtures``: pytest fixtures ``fake_slack`` and ``fake_socket``.

Shared by the tests (import them from here, never from a test module):

- ``bots``: the bot under test: the real app in this process (``start_app``, most tests) or a real
  ``outsource-review serve`` process (``start_bot``, for restarts, crashes and HTTP end to end).
- ``conversation`` and ``chat``: drive a review in a channel thread (slash command, replies, buttons, forms).
- ``cli``: the CLI as ``main(argv)`` in this process, or as a real ``python -m bot`` subprocess.
- ``reviews`` and ``memory_store``: builders and an in-memory store for the pure flows tests.
- ``postgres``: a throw-away PostgreSQL schema per test; ``storage_workers``: work for other processes.
- ``harness``: reviews of any size and the app in-process, for the benchmarks and the query counts.
"""

from tests.support import payloads
from tests.support.fake_slack import Call, FakeSlack, Message, SlackError, UploadedFile
from tests.support.fake_socket import (
    FakeSocketMode,
    events_api_envelope,
    interactive_envelope,
    slash_command_envelope,
)
from tests.support.signed import Reply, SignedClient, Signing, signature

__all__ = [
    "Call",
    "FakeSlack",
    "FakeSocketMode",
    "Message",
    "Reply",
    "SignedClient",
    "Signing",
    "SlackError",
    "UploadedFile",
    "events_api_envelope",
    "interactive_envelope",
    "payloads",
    "signature",
    "slash_command_envelope",
]
