"""`serve` and `socket` name every missing or malformed Slack setting in one line, exit 2, and touch nothing
(no database, no network) before they have everything they need."""

from __future__ import annotations

import pytest

from bot.config import Settings, SlackSettingsError
from tests.support.cli import Cli

BOT = "xoxb-1-bot"
APP = "xapp-1-A0TEST-1-app"
SECRET = "8f14e45fceea167a5a36dedd4bea2543"
OFFLINE = "http://127.0.0.1:9/api/"  # nothing listens there: any call to Slack would fail differently


def problems(mode: str, **values: str) -> str:
    settings = Settings(_env_file=None, **values)
    with pytest.raises(SlackSettingsError) as raised:
        settings.check_slack(mode)
    return str(raised.value)


def test_socket_mode_names_both_missing_tokens_and_not_the_signing_secret(cli: Cli) -> None:
    cli.env["SLACK_API_URL"] = OFFLINE
    result = cli("socket")
    assert result.code == 2
    assert len(result.err_lines) == 1
    assert "SLACK_BOT_TOKEN is not set" in result.err and "SLACK_APP_TOKEN is not set" in result.err
    assert "SIGNING" not in result.err
    assert not cli.db.exists()


def test_serve_names_the_signing_secret_and_the_token_or_the_oauth_pair(cli: Cli) -> None:
    cli.env["SLACK_API_URL"] = OFFLINE
    result = cli("serve")
    assert result.code == 2
    assert len(result.err_lines) == 1
    assert "SLACK_SIGNING_SECRET is not set" in result.err
    assert "SLACK_BOT_TOKEN is not set (or set SLACK_CLIENT_ID and SLACK_CLIENT_SECRET" in result.err
    assert not cli.db.exists()


def test_a_token_of_the_wrong_kind_is_named(cli: Cli) -> None:
    cli.env |= {"SLACK_API_URL": OFFLINE, "SLACK_BOT_TOKEN": APP, "SLACK_APP_TOKEN": BOT}
    result = cli("socket")
    assert result.code == 2
    assert result.err_lines == [
        "SLACK_BOT_TOKEN starts with xapp-: that is an app-level token; the bot token starts with xoxb-; "
        "SLACK_APP_TOKEN starts with xoxb-: that is the bot token; the app-level token starts with xapp-. "
        "Fix: set them in the environment or in a .env file in the working directory."
    ]
    assert "A0TEST" not in result.err  # the values themselves are not shown


def test_socket_mode_needs_no_signing_secret_and_no_oauth() -> None:
    Settings(_env_file=None, slack_bot_token=BOT, slack_app_token=APP).check_slack("socket")


def test_http_runs_with_a_bot_token_or_with_the_oauth_pair() -> None:
    Settings(_env_file=None, slack_signing_secret=SECRET, slack_bot_token=BOT).check_slack("http")
    Settings(
        _env_file=None, slack_signing_secret=SECRET, slack_client_id="1111.2222", slack_client_secret="cs"
    ).check_slack("http")


@pytest.mark.parametrize(
    ("mode", "values", "expected"),
    [
        ("socket", {"slack_bot_token": BOT}, ["SLACK_APP_TOKEN is not set"]),
        ("socket", {"slack_bot_token": "xoxp-1-user", "slack_app_token": APP}, ["that is a user token"]),
        (
            "socket",
            {"slack_bot_token": BOT, "slack_app_token": "hello"},
            ["does not look like a Slack token"],
        ),
        (
            "socket",
            {"slack_bot_token": "xoxb-", "slack_app_token": "  "},
            ["nothing after xoxb-", "APP_TOKEN is not set"],
        ),
        ("http", {"slack_bot_token": BOT}, ["SLACK_SIGNING_SECRET is not set"]),
        (
            "http",
            {"slack_signing_secret": BOT, "slack_bot_token": BOT},
            ["SLACK_SIGNING_SECRET starts with xoxb-"],
        ),
        (
            "http",
            {"slack_signing_secret": SECRET, "slack_client_id": "1111.2222"},
            ["SLACK_CLIENT_SECRET is not set (OAuth needs it with SLACK_CLIENT_ID)"],
        ),
        (
            "http",
            {"slack_signing_secret": SECRET, "slack_client_id": "my-app", "slack_client_secret": "cs"},
            ["SLACK_CLIENT_ID is not a client ID"],
        ),
        (
            "socket",
            {"slack_bot_token": BOT, "slack_app_token": APP, "slack_api_url": "slack.com/api"},
            ["SLACK_API_URL is not a web address (like https://slack.com/api/)"],
        ),
        (
            "http",
            {"slack_client_secret": "cs", "slack_bot_token": APP},
            [
                "SLACK_SIGNING_SECRET is not set",
                "SLACK_CLIENT_ID is not set",
                "SLACK_BOT_TOKEN starts with xapp-",
            ],
        ),
    ],
)
def test_every_problem_is_named(mode: str, values: dict[str, str], expected: list[str]) -> None:
    message = problems(mode, **values)
    for part in expected:
        assert part in message
