"""Many workspaces: Slack's OAuth v2 install flow, with Bolt's OAuth and slack_sdk's SQLAlchemy stores.

With SLACK_CLIENT_ID and SLACK_CLIENT_SECRET set, `outsource-review serve` answers `GET /slack/install` (a state
cookie and a redirect to Slack's authorize page) and `GET /slack/oauth_redirect` (oauth.v2.access, then the
installation is saved). Each request then finds its workspace's bot token in the installation store; a rotated
token (token rotation on) is refreshed before it expires and saved again.

Installations, bots and OAuth states live in our own database (tables `slack_installations`, `slack_bots`,
`slack_oauth_states`, created by migration 0003, not by the stores). Every Web API call of the flow goes to
SLACK_API_URL: oauth.v2.access and auth.test through the app's client, token refreshes through the client given
to the authorizer (Bolt's default authorizer would build its own client on slack.com).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltContext
from slack_bolt.authorization.authorize import InstallationStoreAuthorize
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import InstallationStore
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Engine

from bot.config import Settings
from bot.slack.manifest import OAUTH_REDIRECT_PATH

log = logging.getLogger("bot.slack.oauth")

# The bot scopes asked for at install time: the same as manifest.yml's (a test compares them).
BOT_SCOPES = (
    "commands",
    "chat:write",
    "channels:history",
    "groups:history",
    "im:history",  # direct messages to the bot: private ratings
    "app_mentions:read",
    "files:write",
    "users:read",
    "channels:read",
    "groups:read",
)
STATE_EXPIRATION_SECONDS = 600
# Refresh a rotating token this long before it expires.
TOKEN_ROTATION_MINUTES = 120


def oauth_enabled(settings: Settings) -> bool:
    return bool(settings.slack_client_id and settings.slack_client_secret)


def oauth_app_options(settings: Settings, engine: Engine, client: WebClient) -> dict[str, Any]:
    """The `App(...)` keyword arguments for OAuth mode: settings, installation store and an authorizer whose
    Web API calls (auth.test, token refresh) go through `client`, that is to SLACK_API_URL."""
    client_id, client_secret = settings.require("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET")
    installations = SQLAlchemyInstallationStore(client_id=client_id, engine=engine, logger=log)
    states = SQLAlchemyOAuthStateStore(expiration_seconds=STATE_EXPIRATION_SECONDS, engine=engine, logger=log)
    oauth_settings = OAuthSettings(
        client_id=client_id,
        client_secret=client_secret,
        scopes=list(BOT_SCOPES),
        user_scopes=[],
        installation_store=installations,
        state_store=states,
        redirect_uri_path=OAUTH_REDIRECT_PATH,  # the redirect URL `outsource-review manifest --url` prints
        install_page_rendering_enabled=False,  # /slack/install redirects straight to Slack's authorize page
        token_rotation_expiration_minutes=TOKEN_ROTATION_MINUTES,
        state_expiration_seconds=STATE_EXPIRATION_SECONDS,
        logger=log,
    )
    authorize = InstallationStoreAuthorize(
        logger=log,
        installation_store=installations,
        client_id=client_id,
        client_secret=client_secret,
        token_rotation_expiration_minutes=TOKEN_ROTATION_MINUTES,
        client=client,  # token refreshes (oauth.v2.access with a refresh token) go to SLACK_API_URL
        cache_enabled=False,  # a revoked or rotated token must not be served from memory
    )
    return {
        "oauth_settings": oauth_settings,
        "installation_store": installations,
        "authorize": authorize,
    }


def forget_revoked(installations: InstallationStore) -> Callable[[dict[str, Any], BoltContext], None]:
    """The listener of `app_uninstalled` and `tokens_revoked` in OAuth mode: every stored token of the workspace
    that lost them is deleted, so none is used again (the next request is asked to install the app).

    Bolt's own listeners delete only the bot row on `tokens_revoked`, and the authorizer goes on finding the
    bot token kept with the installation. Here the bot's loss deletes the workspace's installations and bots
    alike (`delete_all`); a revoked user token deletes that user's installation."""

    def forget(event: dict[str, Any], context: BoltContext) -> None:
        enterprise_id = context.enterprise_id
        team_id = None if context.is_enterprise_install else context.team_id
        tokens = event.get("tokens") if isinstance(event.get("tokens"), dict) else {}
        if event.get("type") == "app_uninstalled" or (tokens or {}).get("bot"):
            installations.delete_all(enterprise_id=enterprise_id, team_id=team_id)
            log.warning("the app was %s for team %s: its tokens are deleted", event.get("type"), team_id)
            return
        for user_id in (tokens or {}).get("oauth") or []:
            installations.delete_installation(enterprise_id=enterprise_id, team_id=team_id, user_id=user_id)

    return forget


def log_uninstall(event: dict[str, Any], context: BoltContext) -> None:
    """Single-workspace mode: the token in SLACK_BOT_TOKEN stops working; there is nothing stored to remove."""
    log.warning(
        "the app was %s for team %s; SLACK_BOT_TOKEN no longer works",
        "uninstalled" if event.get("type") == "app_uninstalled" else "losing its tokens",
        context.team_id,
    )
