"""`outsource-review worker` processes: SIGTERM finishes the deliveries in hand and exits 0; SIGKILL loses
nothing and posts nothing twice; two workers sharing PostgreSQL deliver each row exactly once."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import FakeSlack
from tests.support.bots import bot_env
from tests.support.delivery import Outbox, keys_in, outbox_rows, post, start_worker
from tests.support.postgres import postgres_available, postgres_url  # noqa: F401  (fixtures)

pytestmark = pytest.mark.slow  # real `outsource-review worker` processes


def stop(process: subprocess.Popen[bytes]) -> int:
    process.send_signal(signal.SIGTERM)
    return process.wait(20)


def test_a_worker_without_a_token_says_so_in_one_line(
    fake_slack: FakeSlack, tmp_path: Path, database_url: str
) -> None:
    env = bot_env(fake_slack, database_url, SLACK_BOT_TOKEN="")
    done = subprocess.run(
        [sys.executable, "-m", "bot", "worker"], env=env, cwd=tmp_path, capture_output=True, timeout=60
    )
    assert done.returncode == 1
    (line,) = done.stderr.decode().strip().splitlines()
    assert line.startswith("SLACK_BOT_TOKEN is not set")


def test_sigterm_finishes_the_delivery_in_hand_and_exits_0(
    fake_slack: FakeSlack, tmp_path: Path, database_url: str
) -> None:
    outbox = Outbox(fake_slack, database_url)
    outbox.enqueue(*[post("C0TERM", f"m{n}", "lane") for n in range(3)])
    outbox.close()
    fake_slack.latency.methods["chat.postMessage"] = 2.0
    worker = start_worker(fake_slack, tmp_path, database_url, "worker")
    fake_slack.wait_until(lambda: fake_slack.in_flight.now == 1, timeout=20)
    assert stop(worker) == 0
    assert [row.status for row in outbox_rows(database_url)] == ["done", "pending", "pending"]
    assert len(fake_slack.messages("C0TERM")) == 1


def test_a_worker_killed_mid_delivery_is_followed_by_one_that_posts_the_rest_once(
    fake_slack: FakeSlack, tmp_path: Path, database_url: str
) -> None:
    outbox = Outbox(fake_slack, database_url)
    written = outbox.enqueue(*[post("C0KILL", f"m{n}", "lane") for n in range(4)])
    outbox.close()
    fake_slack.latency.methods["chat.postMessage"] = 30.0  # Slack has the post; its answer is on its way
    first = start_worker(fake_slack, tmp_path, database_url, "first", OUTBOX_LEASE="1")
    fake_slack.wait_until(lambda: len(fake_slack.messages("C0KILL")) == 1, timeout=20)
    first.kill()
    first.wait(10)
    fake_slack.latency.methods["chat.postMessage"] = 0.0
    second = start_worker(fake_slack, tmp_path, database_url, "second", OUTBOX_LEASE="1")
    fake_slack.wait_until(lambda: len(keys_in(fake_slack, "C0KILL")) == 4, timeout=30)
    assert stop(second) == 0
    assert keys_in(fake_slack, "C0KILL") == [row.key for row in written]
    rows = outbox_rows(database_url)
    assert [(row.status, row.attempts) for row in rows] == [("done", 2)] + [("done", 1)] * 3
    assert fake_slack.calls("conversations.history")  # the second looked before posting the first again


@pytest.mark.postgres
def test_two_workers_on_postgresql_deliver_each_row_exactly_once(
    fake_slack: FakeSlack,
    tmp_path: Path,
    postgres_url: str,  # noqa: F811
) -> None:
    fake_slack.latency.methods["chat.postMessage"] = 0.05
    outbox = Outbox(fake_slack, postgres_url)
    workers = [start_worker(fake_slack, tmp_path, postgres_url, name) for name in ("one", "two")]
    written = {
        lane: outbox.enqueue(*[post(f"C0PG{lane:02d}", f"m{n}", f"lane-{lane}") for n in range(5)])
        for lane in range(20)
    }
    total = sum(len(rows) for rows in written.values())
    try:
        fake_slack.wait_until(lambda: len(fake_slack.calls("chat.postMessage")) >= total, timeout=60)
    finally:
        codes = [stop(worker) for worker in workers]
    assert codes == [0, 0]
    for lane, rows in written.items():
        assert keys_in(fake_slack, f"C0PG{lane:02d}") == [row.key for row in rows]
    assert len(fake_slack.calls("chat.postMessage")) == total
    assert {row.status for row in outbox.rows()} == {"done"}
    outbox.close()
