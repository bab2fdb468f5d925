"""Configuration from the environment or a `.env` file (CONTRACT.md section 2).

Build `Settings()` in `main`, never at import time. Fields are the lower-case forms of the environment
variables (`settings.slack_bot_token` reads `SLACK_BOT_TOKEN`); `settings.require("SLACK_BOT_TOKEN", ...)`
returns the values of settings a command cannot run without, or raises `MissingSetting` naming the first
one that is missing or empty.
"""

from __future__ import annotations

import logging

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class MissingSetting(ValueError):
    """A setting the command needs is not set; `str()` names it and says where to set it."""


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
    port: int = Field(default=3000, ge=1, le=65535)
    log_level: str = "INFO"

    @field_validator("database_url", mode="before")
    @classmethod
    def _blank_is_default(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("slack_api_url", mode="before")
    @classmethod
    def _api_url(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.strip() or DEFAULT_SLACK_API_URL
            return value if value.endswith("/") else value + "/"
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
