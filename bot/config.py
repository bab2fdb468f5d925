"""Configuration from the environment or a `.env` file (the README, "Configuration").

Build `Settings()` in `main`, never at import time. Fields are the lower-case forms of the environment
variables (`settings.slack_bot_token` reads `SLACK_BOT_TOKEN`); `settings.require("SLACK_BOT_TOKEN", ...)`
returns the values of settings a command cannot run without, or raises `MissingSetting` naming the first
one that is missing or empty. `settings.check_slack("socket" | "http")` checks everything a way of running the
Slack app needs at once, before anything connects, and raises `SlackSettingsError` naming every problem.
"""

from __future__ import annotations

import logging
import re
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
DEFAULT_HOST = "127.0.0.1"  # a laptop's safe default; the container image sets HOST=0.0.0.0
SETTINGS_HINT = "set them in the environment or in a .env file in the working directory"

# What each kind of Slack token starts with, and what to call it when it turns up in the wrong setting.
TOKEN_KINDS = (
    ("xoxb-", "the bot token"),
    ("xapp-", "an app-level token"),
    ("xoxp-", "a user token"),
    ("xoxe.", "a refresh token"),
    ("xoxe-", "a configuration token"),
)
CLIENT_ID_PATTERN = re.compile(r"^\d+\.\d+$")


class MissingSetting(ValueError):
    """A setting the command needs is not set; `str()` names it and says where to set it."""


class SlackSettingsError(ValueError):
    """The Slack settings of a run mode are missing or malformed; `str()` names every one of them."""


class SlackUnreachable(RuntimeError):
    """Slack's Web API cannot be reached at start-up; `str()` is the one line to show (exit status 1)."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    database_url: str | None = None  # None: the SQLite file in the user's data folder (storage.db)
    slack_bot_token: str | None = Field(default=None, repr=False)
    slack_signing_secret: str | None = Field(default=None, repr=False)
    slack_app_token: str | None = Field(default=None, repr=False)
    slack_client_id: str | None = None
    slack_client_secret: str | None = Field(default=None, repr=False)
    slack_api_url: str = DEFAULT_SLACK_API_URL
    host: str = DEFAULT_HOST
    port: int = Field(default=3000, ge=1, le=65535)
    log_level: str = "INFO"
    # The outbox (bot.slack.delivery): seconds between posts in one channel (0: no pacing) and the burst let
    # through at once; how long a claimed row is a worker's before another may take it; delivery loops in
    # `serve` / `socket` (0: none, when `outsource-review worker` processes deliver).
    outbox_pace: float = Field(default=1.0, ge=0)
    outbox_burst: int = Field(default=4, ge=1)
    outbox_lease: float = Field(default=30.0, gt=0)
    delivery_threads: int = Field(default=1, ge=0)
    # The full report as a web page (bot.web): the bot's public https address, without which no links are made
    # (the Markdown file stands in); the secret that signs the links (default: derived from the signing
    # secret); and how many days a link works.
    public_url: str | None = None
    report_link_secret: str | None = Field(default=None, repr=False)
    report_link_days: int = Field(default=30, ge=1, le=3650)
    # How many of the ranked tasks the shortlist message in the channel names (the rest are in the report).
    shortlist_top: int = Field(default=5, ge=1, le=10)

    @field_validator("database_url", "report_link_secret", mode="before")
    @classmethod
    def _blank_is_default(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("host", mode="before")
    @classmethod
    def _host(cls, value: object) -> object:
        return (value.strip() or DEFAULT_HOST) if isinstance(value, str) else value

    @field_validator("slack_api_url", mode="before")
    @classmethod
    def _api_url(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.strip() or DEFAULT_SLACK_API_URL
            return value if value.endswith("/") else value + "/"
        return value

    @field_validator("public_url", mode="before")
    @classmethod
    def _public_url(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        value = value.strip().rstrip("/")
        if not value:
            return None
        parts = urlsplit(value)
        local = parts.hostname in ("localhost", "127.0.0.1", "::1")
        if not parts.hostname or not (parts.scheme == "https" or (parts.scheme == "http" and local)):
            raise ValueError("use the bot's public https address, like https://bot.example.com")
        if parts.query or parts.fragment:
            raise ValueError("use an address without ? or #, like https://bot.example.com")
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _log_level(cls, value: object) -> object:
        if isinstance(value, str):
            level = value.strip().upper() or "INFO"
            if level not in LOG_LEVELS:
                raise ValueError(f"use one of {', '.join(LOG_LEVELS)}")
            return level
        return value

    @property
    def debug(self) -> bool:
        return self.log_level == "DEBUG"

    @property
    def log_level_number(self) -> int:
        return logging.getLevelNamesMapping()[self.log_level]

    def require(self, *names: str) -> tuple[str, ...]:
        """The values of `names` (e.g. "SLACK_BOT_TOKEN"), in order; MissingSetting if one is unset or empty."""
        values = []
        for name in names:
            field = name.lower()
            if field not in type(self).model_fields:
                raise KeyError(f"{name} is not a setting")
            value = getattr(self, field)
            if value is None or not str(value).strip():
                raise MissingSetting(
                    f"{field.upper()} is not set; set it in the environment or in a .env file "
                    "in the working directory"
                )
            values.append(str(value))
        return tuple(values)

    def check_slack(self, mode: Literal["socket", "http"]) -> None:
        """Socket Mode needs the bot and the app-level token; HTTP the signing secret and either the bot token
        or the OAuth pair. Raises SlackSettingsError naming every missing or malformed one."""
        problems: list[str] = []
        bot, app = _blank(self.slack_bot_token), _blank(self.slack_app_token)
        if mode == "socket":
            problems += _token_problems("SLACK_BOT_TOKEN", bot, "xoxb-", "the bot token")
            problems += _token_problems("SLACK_APP_TOKEN", app, "xapp-", "the app-level token")
        else:
            secret = _blank(self.slack_signing_secret)
            if secret is None:
                problems.append("SLACK_SIGNING_SECRET is not set")
            elif _kind(secret):
                problems.append(
                    f"SLACK_SIGNING_SECRET starts with {_prefix(secret)}: that is {_kind(secret)}; "
                    "the signing secret is under Basic Information, App Credentials"
                )
            client_id, client_secret = _blank(self.slack_client_id), _blank(self.slack_client_secret)
            if client_id is None and client_secret is None:
                problems += _token_problems("SLACK_BOT_TOKEN", bot, "xoxb-", "the bot token", oauth_hint=True)
            else:
                if client_id is None:
                    problems.append("SLACK_CLIENT_ID is not set (OAuth needs it with SLACK_CLIENT_SECRET)")
                elif not CLIENT_ID_PATTERN.match(client_id):
                    problems.append(
                        "SLACK_CLIENT_ID is not a client ID (two numbers joined by a dot, "
                        "from Basic Information, App Credentials)"
                    )
                if client_secret is None:
                    problems.append("SLACK_CLIENT_SECRET is not set (OAuth needs it with SLACK_CLIENT_ID)")
                if bot is not None:
                    problems += _token_problems("SLACK_BOT_TOKEN", bot, "xoxb-", "the bot token")
        api = urlsplit(self.slack_api_url)
        if api.scheme not in ("http", "https") or not api.hostname:
            problems.append(f"SLACK_API_URL is not a web address (like {DEFAULT_SLACK_API_URL})")
        if problems:
            raise SlackSettingsError("; ".join(problems) + f". Fix: {SETTINGS_HINT}.")


def _blank(value: str | None) -> str | None:
    return value.strip() if value and value.strip() else None


def _kind(value: str) -> str | None:
    return next((kind for prefix, kind in TOKEN_KINDS if value.startswith(prefix)), None)


def _prefix(value: str) -> str:
    return value.split("-", 1)[0] + "-" if "-" in value[:9] else value[:5]


def _token_problems(
    name: str, value: str | None, prefix: str, what: str, *, oauth_hint: bool = False
) -> list[str]:
    if value is None:
        also = " (or set SLACK_CLIENT_ID and SLACK_CLIENT_SECRET for OAuth)" if oauth_hint else ""
        return [f"{name} is not set{also}"]
    if value.startswith(prefix) and len(value) > len(prefix) and not any(c.isspace() for c in value):
        return []
    if value.startswith(prefix):
        return [f"{name} is not a whole token: it has spaces in it or nothing after {prefix}"]
    kind = _kind(value)
    if kind:
        return [f"{name} starts with {_prefix(value)}: that is {kind}; {what} starts with {prefix}"]
    return [f"{name} does not look like a Slack token: {what} starts with {prefix}"]
