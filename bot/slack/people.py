"""People by the names Slack shows for them, where a mention cannot be used (a file's Markdown).

Flows marks people in what it writes (`flows.people`); in messages Slack mentions them (`bot.slack.text.
slack_text`), and in a file each is replaced by their display name from `users.info`. Whoever Slack will not
describe keeps their id (a name from an answers file is not looked up): the file is still uploaded.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.requestlog import slack_error
from bot.slack.text import is_user_id
from flows.people import people_in, render_people

log = logging.getLogger("bot.slack.people")


def display_name(user: Mapping[str, Any]) -> str | None:
    """The name Slack shows for a `users.info` user: the display name, else the real name, else the handle."""
    profile = user.get("profile") if isinstance(user.get("profile"), Mapping) else {}
    for name in (
        (profile or {}).get("display_name"),
        (profile or {}).get("real_name"),
        user.get("real_name"),
        user.get("name"),
    ):
        if isinstance(name, str) and name.strip():
            return " ".join(name.split())
    return None


def _named(answer: Any, user: str) -> str:
    found = answer.get("user")
    return (display_name(found) if isinstance(found, Mapping) else None) or user


def _unnamed(user: str, error: str) -> str:
    log.warning("users.info failed error=%s: the id stands in for the name", error)
    return user


async def _name_of(client: AsyncWebClient, user: str) -> str:
    try:
        return _named(await client.users_info(user=user), user)
    except SlackApiError as exc:
        return _unnamed(user, slack_error(exc))
    except (SlackClientError, OSError) as exc:
        return _unnamed(user, type(exc).__name__)


def _name_now(client: WebClient, user: str) -> str:
    try:
        return _named(client.users_info(user=user), user)
    except SlackApiError as exc:
        return _unnamed(user, slack_error(exc))
    except (SlackClientError, OSError) as exc:
        return _unnamed(user, type(exc).__name__)


async def with_names(client: AsyncWebClient, text: str) -> str:
    """`text` with each person it refers to by their Slack display name (one `users.info` each, at once)."""
    ids = [who for who in people_in(text) if is_user_id(who)]
    names = dict(zip(ids, await asyncio.gather(*(_name_of(client, i) for i in ids)), strict=True))
    return render_people(text, lambda who: names.get(who, who))


def with_names_now(client: WebClient, text: str) -> str:
    """`with_names` for a request's synchronous client (an export the command uploads itself)."""
    names = {who: _name_now(client, who) for who in people_in(text) if is_user_id(who)}
    return render_people(text, lambda who: names.get(who, who))
