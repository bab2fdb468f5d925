"""The bot token a delivery uses for a workspace: SLACK_BOT_TOKEN for one workspace; with OAuth, the token the
installation store keeps for it (a rotating token is refreshed first when it is about to expire, as the app's
own authorizer does). None when the workspace has none (the app was uninstalled)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.token_rotation import TokenRotator
from sqlalchemy import Engine

from bot.config import Settings
from bot.slack.oauth import TOKEN_ROTATION_MINUTES, oauth_enabled

log = logging.getLogger("bot.slack.delivery")

Tokens = Callable[[str, str | None], str | None]


def bot_tokens(settings: Settings, engine: Engine | None) -> Tokens:
    if not oauth_enabled(settings):
        token = settings.slack_bot_token

        def single(team_id: str, enterprise_id: str | None) -> str | None:
            return token

        return single
    if engine is None:
        raise ValueError("OAuth needs the review store's database engine for its installation store")
    client_id, client_secret = settings.require("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET")
    installations = SQLAlchemyInstallationStore(client_id=client_id, engine=engine, logger=log)
    rotator = TokenRotator(
        client_id=client_id, client_secret=client_secret, client=WebClient(base_url=settings.slack_api_url)
    )

    def installed(team_id: str, enterprise_id: str | None) -> str | None:
        bot = installations.find_bot(enterprise_id=enterprise_id, team_id=team_id)
        if bot is None:
            return None
        if bot.bot_refresh_token:
            fresh = rotator.perform_bot_token_rotation(
                bot=bot, minutes_before_expiration=TOKEN_ROTATION_MINUTES
            )
            if fresh is not None:
                installations.save_bot(fresh)
                bot = fresh
        return bot.bot_token

    return installed
