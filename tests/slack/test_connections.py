"""Web API calls reuse their connections (`bot.slack.connections`), against the fake over HTTP and HTTPS."""

from __future__ import annotations

import logging
import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from http.client import HTTPConnection
from pathlib import Path
from urllib.error import URLError
from urllib.request import build_opener

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import RetryHandler
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator

from bot.slack.connections import (
    POOL,
    ConnectionPool,
    PooledHTTPSHandler,
    PooledWebClient,
    pooled,
)
from tests.support import FakeSlack
from tests.support.bots import Bot
from tests.support.conversation import Conversation, new_channel

TOKEN = "xoxb-test-token"
NO_WAIT = FixedValueRetryIntervalCalculator(0.01)


def client_of(fake: FakeSlack, **kwargs: object) -> PooledWebClient:
    return PooledWebClient(
        token=TOKEN,
        base_url=fake.api_url,
        retry_handlers=[  # as the app's clients retry (`bot.slack.app.make_client`), without the waits
            ConnectionErrorRetryHandler(max_retry_count=2, interval_calculator=NO_WAIT),
            RateLimitErrorRetryHandler(max_retry_count=3, interval_calculator=NO_WAIT),
            ServerErrorRetryHandler(max_retry_count=2, interval_calculator=NO_WAIT),
        ],
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    POOL.clear()
    with FakeSlack() as fake:
        yield fake
    POOL.clear()


def test_calls_share_one_connection(fake: FakeSlack) -> None:
    client = client_of(fake)
    for i in range(5):
        assert client.chat_postMessage(channel="C0TEST", text=f"message {i}")["ok"]
    assert [c["text"] for c in fake.calls("chat.postMessage")] == [f"message {i}" for i in range(5)]
    assert fake.connections_accepted == 1
    assert POOL.idle() == 1


def test_a_plain_web_client_opens_one_connection_a_call(fake: FakeSlack) -> None:
    """What the pool spares: slack_sdk's own client connects anew for every call."""
    client = fake.client(TOKEN)
    for i in range(3):
        client.chat_postMessage(channel="C0TEST", text=f"message {i}")
    assert fake.connections_accepted == 3


def test_a_connection_the_server_closed_is_not_reused(fake: FakeSlack) -> None:
    client = client_of(fake)
    client.chat_postMessage(channel="C0TEST", text="first")
    fake.drop_connections()  # as a server closes a connection that was idle too long
    client.chat_postMessage(channel="C0TEST", text="second")
    assert [c["text"] for c in fake.calls("chat.postMessage")] == ["first", "second"]
    assert fake.attempts("chat.postMessage") == 2  # delivered once each, no retry needed
    assert fake.connections_accepted == 2


def test_a_connection_idle_too_long_is_closed_not_reused(fake: FakeSlack) -> None:
    pool = ConnectionPool(max_idle=0.0)
    connection = HTTPConnection("127.0.0.1", fake.port)
    connection.connect()
    key = ("http", f"127.0.0.1:{fake.port}", 30)
    pool.give(key, connection)
    assert pool.idle() == 1
    assert pool.take(key) is None
    assert connection.sock is None  # closed


def test_at_most_per_host_connections_wait(fake: FakeSlack) -> None:
    pool = ConnectionPool(per_host=1)
    first, second = (HTTPConnection("127.0.0.1", fake.port) for _ in range(2))
    first.connect()
    second.connect()
    key = ("http", f"127.0.0.1:{fake.port}", 30)
    pool.give(key, first)
    pool.give(key, second)
    assert pool.idle() == 1
    assert pool.take(key) is first
    assert second.sock is None  # closed, as it found no room


def test_rate_limits_server_errors_and_slack_errors_come_through_as_before(fake: FakeSlack) -> None:
    client = client_of(fake)
    fake.rate_limit("chat.postMessage", retry_after=0)
    assert client.chat_postMessage(channel="C0TEST", text="after a rate limit")["ok"]
    assert fake.attempts("chat.postMessage") == 2
    fake.server_error("chat.update", status=503)
    ts = fake.calls("chat.postMessage")[-1].response["ts"]  # type: ignore[index]
    assert client.chat_update(channel="C0TEST", ts=ts, text="after a server error")["ok"]
    assert fake.attempts("chat.update") == 2
    fake.fail("chat.postMessage", "channel_not_found")
    with pytest.raises(SlackApiError) as refused:
        client.chat_postMessage(channel="C0TEST", text="refused")
    assert refused.value.response["error"] == "channel_not_found"
    assert fake.connections_accepted == 1  # error answers leave the connection fit for the next call


def test_a_stopped_server_is_a_connection_error(fake: FakeSlack) -> None:
    client = client_of(fake)
    client.chat_postMessage(channel="C0TEST", text="while it runs")
    fake.stop()
    with pytest.raises(URLError):
        client.chat_postMessage(channel="C0TEST", text="after it stopped")


def test_threads_each_take_a_connection_of_their_own(fake: FakeSlack) -> None:
    client = client_of(fake)
    errors: list[BaseException] = []

    def post(thread: int) -> None:
        try:
            for i in range(10):
                client.chat_postMessage(channel="C0TEST", text=f"{thread}-{i}")
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=post, args=(t,)) for t in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    texts = sorted(c["text"] for c in fake.calls("chat.postMessage"))
    assert texts == sorted(f"{t}-{i}" for t in range(6) for i in range(10))
    assert fake.connections_accepted <= 6


def test_pooled_copies_every_setting_of_the_client() -> None:
    retries: list[RetryHandler] = [RateLimitErrorRetryHandler(max_retry_count=3)]
    plain = WebClient(
        token=TOKEN,
        base_url="http://127.0.0.1:9/api/",
        timeout=7,
        headers={"X-Extra": "1"},
        team_id="T0OTHER",
        retry_handlers=retries,
    )
    copy = pooled(plain)
    assert isinstance(copy, PooledWebClient)
    assert (copy.token, copy.base_url, copy.timeout, copy.default_params) == (
        TOKEN,
        "http://127.0.0.1:9/api/",
        7,
        {"team_id": "T0OTHER"},
    )
    assert copy.headers["X-Extra"] == "1" and copy.retry_handlers == retries and copy.logger is plain.logger
    assert pooled(copy) is copy


def test_debug_logging_shows_the_answer_as_slack_sdk_does(
    fake: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    client = client_of(fake)
    caplog.set_level(logging.DEBUG, logger=client.logger.name)
    client.chat_postMessage(channel="C0TEST", text="logged")
    (line,) = [
        r.getMessage() for r in caplog.records if r.getMessage().startswith("Received the following response")
    ]
    assert "status: 200" in line and '"ok": true' in line


def test_a_client_with_a_proxy_goes_slack_sdks_way(fake: FakeSlack) -> None:
    """A proxy is slack_sdk's to use (here the fake itself stands in for one: it answers the full URL)."""
    client = client_of(fake, proxy=fake.url)
    assert client.chat_postMessage(channel="C0TEST", text="through the proxy")["ok"]
    client.chat_postMessage(channel="C0TEST", text="again")
    assert fake.connections_accepted == 2 and POOL.idle() == 0


# ---------------------------------------------------------------- HTTPS


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("needs the openssl command to make a certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def test_https_calls_share_one_verified_connection(certificate: tuple[Path, Path]) -> None:
    cert, key = certificate
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert, key)
    trusting = ssl.create_default_context(cafile=str(cert))
    pool = ConnectionPool()
    opener = build_opener(PooledHTTPSHandler(pool, trusting))
    with FakeSlack(tls=server) as fake:
        for i in range(3):
            answer = opener.open(f"{fake.api_url}api.test?n={i}", data=b"", timeout=5)
            assert answer.status == 200 and b'"ok": true' in answer.read()
        assert fake.connections_accepted == 1 and pool.idle() == 1
        # Slack's certificate is checked as urlopen checks it: one nobody vouches for is refused.
        with pytest.raises(URLError, match="CERTIFICATE_VERIFY_FAILED"):
            build_opener(PooledHTTPSHandler(ConnectionPool())).open(
                f"{fake.api_url}api.test", data=b"", timeout=5
            )
    pool.clear()


# ---------------------------------------------------------------- the app


def test_the_bots_answers_reuse_its_connections(bot: Bot, fake_slack: FakeSlack) -> None:
    """Answers in a review's thread, through the real app: their Web API calls (questions posted,
    the kickoff edited, lists acknowledged) go over the connection the bot already holds."""
    talk = Conversation(bot, fake_slack, new_channel())
    talk.start()
    opened = fake_slack.connections_accepted
    calls = [
        call
        for text in ("3", "Blog writing\nSEO audits", "Paid search ads", "done")
        for call in talk.say(text)
    ]
    assert len(calls) >= 4 and {c.method for c in calls} >= {"chat.postMessage", "chat.update"}
    assert (
        fake_slack.connections_accepted == opened
    )  # the test reads the fake in-process: no connection of its own
