"""Test support: local fakes of Slack (Web API over HTTP, Socket Mode over WebSocket) and signed requests.

- :class:`FakeSlack` (``fake_slack.py``): the Web API; point ``WebClient(base_url=fake.api_url)`` at it.
- :class:`FakeSocketMode` (``fake_socket.py``): the Socket Mode WebSocket server.
- :class:`SignedClient` (``signed.py``): signed slash commands, interactions and events to a bot over HTTP.
- ``payloads``: builders for realistic request payloads, with the ids both fakes use.
- ``fixtures``: pytest fixtures ``fake_slack`` and ``fake_socket``.
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
