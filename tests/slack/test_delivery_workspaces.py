"""Delivery for many workspaces (OAuth: each row with its workspace's installed token) and with many loops."""

from __future__ import annotations

from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore

from flows.ports import Outgoing
from tests.support import FakeSlack
from tests.support.delivery import Outbox, keys_in, post

CLIENT_ID = "1111.2222"
OAUTH = {"SLACK_BOT_TOKEN": "", "SLACK_CLIENT_ID": CLIENT_ID, "SLACK_CLIENT_SECRET": "oauth-secret"}


def test_each_workspace_is_sent_to_with_its_own_token(fake_slack: FakeSlack, database_url: str) -> None:
    outbox = Outbox(fake_slack, database_url, **OAUTH)
    try:
        installations = SQLAlchemyInstallationStore(client_id=CLIENT_ID, engine=outbox.service.store.engine)  # type: ignore[attr-defined]
        for team in ("T0ONE", "T0TWO"):
            installations.save(
                Installation(
                    app_id="A0APP",
                    team_id=team,
                    user_id="U0ALICE",
                    bot_token=f"xoxb-{team}",
                    bot_id="B0BOT",
                    bot_user_id="U0BOT",
                )
            )
        outbox.enqueue(
            *[
                Outgoing("chat.postMessage", {"channel": f"C0{team}", "text": "hi"}, team, team)
                for team in ("T0ONE", "T0TWO", "T0GONE")
            ]
        )
        with outbox.delivering() as delivery:
            delivery.drain()
        assert {c["channel"]: c.token for c in fake_slack.calls("chat.postMessage")} == {
            "C0T0ONE": "xoxb-T0ONE",
            "C0T0TWO": "xoxb-T0TWO",
        }
        assert [(r.team_id, r.status, r.error) for r in outbox.rows()] == [
            ("T0ONE", "done", None),
            ("T0TWO", "done", None),
            ("T0GONE", "failed", "no_token"),
        ]
    finally:
        outbox.close()


def test_several_loops_deliver_each_row_once_in_order(fake_slack: FakeSlack, database_url: str) -> None:
    outbox = Outbox(fake_slack, database_url, DELIVERY_THREADS="3")
    try:
        lanes = {
            n: outbox.enqueue(*[post(f"C0LOOP{n:02d}", f"m{i}", f"lane-{n}") for i in range(3)])
            for n in range(30)
        }
        with outbox.delivering() as delivery:
            delivery.drain(timeout=30)
        for n, rows in lanes.items():
            assert keys_in(fake_slack, f"C0LOOP{n:02d}") == [row.key for row in rows]
        assert len(fake_slack.calls("chat.postMessage")) == 90
    finally:
        outbox.close()
