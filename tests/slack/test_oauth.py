"""Many workspaces: the OAuth v2 install flow end to end against the fake Slack, tokens per workspace and their
rotation, uninstalls, and every request scoped to its own workspace."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import MetaData, Table, text

from bot.slack.oauth import BOT_SCOPES
from storage.db import make_engine
from storage.repository import SqlReviewStore
from storage.tables import metadata, slack_bots, slack_installations, slack_oauth_states
from tests.support import FakeSlack
from tests.support import payloads as p
from tests.support.bots import Bot, start_app, stop_bot
from tests.support.chat import button
from tests.support.fake_slack import Call
from tests.support.manifest import manifest_bot_scopes

CLIENT_ID = "1111.2222"
CLIENT_SECRET = "oauth-client-secret-1234"
OTHER_TEAM = ("T0OTHER", "Other team")


@pytest.fixture
def oauth_bot(fake_slack: FakeSlack, tmp_path: Path) -> Iterator[Bot]:
    fake_slack.client_id, fake_slack.client_secret = CLIENT_ID, CLIENT_SECRET
    running = start_app(
        fake_slack,
        tmp_path,
        f"sqlite:///{tmp_path / 'oauth.db'}",
        "oauth",
        SLACK_BOT_TOKEN="",
        SLACK_CLIENT_ID=CLIENT_ID,
        SLACK_CLIENT_SECRET=CLIENT_SECRET,
    )
    yield running
    stop_bot(running)


def install(
    bot: Bot, fake: FakeSlack, team: tuple[str, str] = (p.TEAM_ID, p.TEAM_NAME), code: str | None = None
) -> str:
    """The whole install: /slack/install, Slack's authorize page (skipped), /slack/oauth_redirect. The token.
    `code`: Slack's one-time code (by default one per team; installing again needs another)."""
    code = code or f"code-{team[0]}"
    fake.oauth_team = team
    started = bot.slack.get("/slack/install")
    assert started.status == 302, started
    authorize = urlsplit(started.headers["location"])
    query = parse_qs(authorize.query)
    assert (
        f"{authorize.scheme}://{authorize.netloc}{authorize.path}" == "https://slack.com/oauth/v2/authorize"
    )
    assert query["client_id"] == [CLIENT_ID]
    assert set(query["scope"][0].split(",")) == set(BOT_SCOPES)
    state = query["state"][0]
    cookie = started.headers["set-cookie"].split(";", 1)[0]
    assert cookie == f"slack-app-oauth-state={state}"

    mark = fake.mark()
    done = bot.slack.request(
        "GET", f"/slack/oauth_redirect?code={code}&state={state}", headers={"Cookie": cookie}
    )
    assert done.status == 200, done
    exchange = fake.wait_for("oauth.v2.access", since=mark)
    assert exchange.ok and exchange.get("code") == code
    return str(exchange.response["access_token"])  # type: ignore[index]


def rows(bot: Bot, table: str) -> list[dict[str, Any]]:
    with make_engine(bot.database_url).connect() as connection:
        return [dict(r._mapping) for r in connection.execute(text(f"SELECT * FROM {table}"))]


def command(
    bot: Bot, fake: FakeSlack, words: str, team: str, channel: str, user: str = p.USER_ID
) -> list[Call]:
    mark = fake.mark()
    reply = bot.slack.slash_command(words, team_id=team, channel_id=channel, user_id=user)
    assert reply.status == 200, reply
    return [c for c in fake.calls() if c.seq > mark]


def asked_to_install(bot: Bot, fake: FakeSlack, team: str) -> bool:
    """A command from `team` is answered (through its response_url) with Bolt's please-install message."""
    mark = fake.mark()
    reply = bot.slack.slash_command("Q3 review", team_id=team, channel_id="C0NOINSTALL")
    said = [c for c in fake.calls("response_url") if c.seq > mark]
    return reply.status == 200 and len(said) == 1 and "install this app" in said[0].text


def test_install_then_a_command_uses_the_installed_token(oauth_bot: Bot, fake_slack: FakeSlack) -> None:
    token = install(oauth_bot, fake_slack)
    installations = rows(oauth_bot, "slack_installations")
    assert [(r["team_id"], r["client_id"], r["bot_token"]) for r in installations] == [
        (p.TEAM_ID, CLIENT_ID, token)
    ]
    assert [r["bot_token"] for r in rows(oauth_bot, "slack_bots")] == [token]
    assert rows(oauth_bot, "slack_oauth_states") == []  # the state was consumed

    calls = command(oauth_bot, fake_slack, "Q3 review", p.TEAM_ID, "C0OAUTH1")
    posts = [c for c in calls if c.method == "chat.postMessage"]
    assert posts and all(c.ok and c.token == token for c in posts)


def test_the_install_needs_its_state(oauth_bot: Bot, fake_slack: FakeSlack) -> None:
    started = oauth_bot.slack.get("/slack/install")
    state = parse_qs(urlsplit(started.headers["location"]).query)["state"][0]
    # No cookie (another browser), then a made-up state: refused before any token exchange.
    for path, headers in (
        (f"/slack/oauth_redirect?code=c1&state={state}", {}),
        ("/slack/oauth_redirect?code=c1&state=made-up", {"Cookie": "slack-app-oauth-state=made-up"}),
    ):
        assert oauth_bot.slack.request("GET", path, headers=headers).status >= 400
    assert fake_slack.calls("oauth.v2.access") == []
    assert rows(oauth_bot, "slack_installations") == []


def test_a_workspace_without_an_installation_is_asked_to_install(
    oauth_bot: Bot, fake_slack: FakeSlack
) -> None:
    install(oauth_bot, fake_slack)
    assert asked_to_install(oauth_bot, fake_slack, "T0NOBODY")
    assert SqlReviewStore(make_engine(oauth_bot.database_url)).list_reviews() == []


def test_token_rotation_refreshes_a_token_about_to_expire(oauth_bot: Bot, fake_slack: FakeSlack) -> None:
    fake_slack.token_rotation = True
    first = install(oauth_bot, fake_slack)
    assert first.startswith("xoxe.xoxb-") and rows(oauth_bot, "slack_bots")[0]["bot_refresh_token"]

    calls = command(oauth_bot, fake_slack, "help", p.TEAM_ID, "C0OAUTH3")
    assert not [c for c in calls if c.method == "oauth.v2.access"]  # fresh for 12 hours: no refresh

    soon = (datetime.now(UTC) + timedelta(minutes=5)).replace(tzinfo=None)
    with make_engine(oauth_bot.database_url).begin() as connection:
        for table in ("slack_bots", "slack_installations"):
            connection.execute(text(f"UPDATE {table} SET bot_token_expires_at = :at"), {"at": soon})
    calls = command(oauth_bot, fake_slack, "Rotated review", p.TEAM_ID, "C0OAUTH3")
    refresh = [c for c in calls if c.method == "oauth.v2.access"]
    assert len(refresh) == 1 and refresh[0].get("grant_type") == "refresh_token"
    new = str(refresh[0].response["access_token"])  # type: ignore[index]
    assert new != first
    posts = [c for c in calls if c.method == "chat.postMessage"]
    assert posts and all(c.token == new for c in posts)
    assert {r["bot_token"] for r in rows(oauth_bot, "slack_bots")} >= {new}


def test_each_workspace_sees_only_its_own_reviews(oauth_bot: Bot, fake_slack: FakeSlack) -> None:
    ours = install(oauth_bot, fake_slack)
    theirs = install(oauth_bot, fake_slack, OTHER_TEAM)
    command(oauth_bot, fake_slack, "Our review", p.TEAM_ID, "C0OURS")
    calls = command(oauth_bot, fake_slack, "Their review", OTHER_TEAM[0], "C0THEIRS", user="U0THEM")
    assert {c.token for c in calls if c.method.startswith("chat.")} == {theirs}

    store = SqlReviewStore(make_engine(oauth_bot.database_url))
    (our_review,) = store.list_reviews(p.TEAM_ID)
    (their_review,) = store.list_reviews(OTHER_TEAM[0])
    assert our_review.title == "Our review" and their_review.title == "Their review"

    # A click from the other workspace naming our review changes nothing and gets a polite no, privately.
    question = next(
        c for c in fake_slack.calls("chat.postMessage") if c.token == ours and c.get("thread_ts") and c.blocks
    )
    mark = fake_slack.mark()
    reply = oauth_bot.slack.block_actions(
        [button(question, "Skip")],
        team_id=OTHER_TEAM[0],
        channel_id="C0THEIRS",
        user_id="U0THEM",
    )
    assert reply.status == 200
    said = [c for c in fake_slack.calls() if c.seq > mark]
    assert [c.method for c in said] == ["auth.test", "chat.postEphemeral"]
    assert "another workspace" in said[-1].text and said[-1].token == theirs
    assert store.get(our_review.id or "") == our_review and store.history(our_review.id or "") == []
    # Their list shows their reviews only.
    reply = oauth_bot.slack.slash_command("list", team_id=OTHER_TEAM[0], channel_id="C0THEIRS")
    assert "Their review" in reply.text and "Our review" not in reply.text


def test_uninstalling_removes_that_workspaces_tokens(oauth_bot: Bot, fake_slack: FakeSlack) -> None:
    install(oauth_bot, fake_slack)
    install(oauth_bot, fake_slack, OTHER_TEAM)
    reply = oauth_bot.slack.event(p.app_uninstalled_event(), team_id=OTHER_TEAM[0])
    assert reply.status == 200
    assert {r["team_id"] for r in rows(oauth_bot, "slack_installations")} == {p.TEAM_ID}
    assert {r["team_id"] for r in rows(oauth_bot, "slack_bots")} == {p.TEAM_ID}

    reply = oauth_bot.slack.event(p.tokens_revoked_event(), team_id=p.TEAM_ID)
    assert reply.status == 200
    assert rows(oauth_bot, "slack_bots") == []
    assert asked_to_install(oauth_bot, fake_slack, OTHER_TEAM[0])


def test_single_workspace_mode_has_no_install_pages(bot: Bot) -> None:
    assert bot.slack.get("/slack/install").status == 404


def test_the_install_asks_for_the_manifests_scopes() -> None:
    assert set(BOT_SCOPES) == manifest_bot_scopes()


@pytest.mark.parametrize(
    ("ours", "build"),
    [
        (
            slack_installations,
            lambda m: SQLAlchemyInstallationStore.build_installations_table(m, "slack_installations"),
        ),
        (slack_bots, lambda m: SQLAlchemyInstallationStore.build_bots_table(m, "slack_bots")),
        (
            slack_oauth_states,
            lambda m: SQLAlchemyOAuthStateStore.build_oauth_states_table(m, "slack_oauth_states"),
        ),
    ],
)
def test_our_tables_are_the_ones_the_stores_use(ours: Table, build: Any) -> None:
    """Migration 0003 and storage.tables describe the stores' tables; a new slack_sdk column would show here."""
    theirs = build(MetaData())

    def shape(table: Table) -> list[tuple[str, str, Any, bool, bool]]:
        return [
            (c.name, type(c.type).__name__, getattr(c.type, "length", None), bool(c.nullable), c.primary_key)
            for c in table.columns
        ]

    assert shape(ours) == shape(theirs)
    assert {(i.name, tuple(c.name for c in i.columns)) for i in ours.indexes} == {
        (i.name, tuple(c.name for c in i.columns)) for i in theirs.indexes
    }
    assert ours.metadata is metadata


def test_after_tokens_revoked_no_stored_token_of_that_workspace_is_used(
    oauth_bot: Bot, fake_slack: FakeSlack
) -> None:
    old = install(oauth_bot, fake_slack)
    reply = oauth_bot.slack.event(p.tokens_revoked_event(), team_id=p.TEAM_ID)
    assert reply.status == 200

    mark = fake_slack.mark()
    reply = oauth_bot.slack.slash_command("Q3 review", team_id=p.TEAM_ID, channel_id="C0OAUTH8")
    assert reply.status == 200
    assert [c.method for c in fake_slack.calls() if c.seq > mark and c.token == old] == []
    assert "install this app" in fake_slack.calls("response_url")[-1].text
    assert rows(oauth_bot, "slack_installations") == [] and rows(oauth_bot, "slack_bots") == []

    new = install(oauth_bot, fake_slack, code="code-again")  # installing again works
    assert new != old
    calls = command(oauth_bot, fake_slack, "After reinstall", p.TEAM_ID, "C0OAUTH9")
    posts = [c for c in calls if c.method == "chat.postMessage"]
    assert posts and all(c.ok and c.token == new for c in posts)
