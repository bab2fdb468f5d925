"""Builders for realistic Slack request payloads (slash commands, interactions, Events API callbacks).

The shapes follow what Slack sends to an app, trimmed to the fields an app commonly reads. Every builder
returns a plain ``dict`` that the caller may change further; ``signed.py`` posts them over HTTP and
``fake_socket.py`` wraps them in Socket Mode envelopes.

The default ids here are the ones the fake Web API (``fake_slack.py``) answers with, so a test that mixes
them sees one consistent workspace.
"""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

TEAM_ID = "T0TEST"
TEAM_NAME = "Test team"
TEAM_DOMAIN = "testteam"
ENTERPRISE_ID: str | None = None
APP_ID = "A0TEST"
BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"
USER_ID = "U0ALICE"
USER_NAME = "alice"
CHANNEL_ID = "C0REVIEW"
CHANNEL_NAME = "marketing"
COMMAND = "/outsource-review"

_counter = itertools.count(1)
_counter_lock = threading.Lock()


def _next() -> int:
    with _counter_lock:
        return next(_counter)


_last_ts = [0]


def new_ts() -> str:
    """A unique, increasing Slack timestamp (``"1764859200.123456"``): now, by the wall clock, or just after the
    last one given. The fake Web API dates its messages with it too, so what a test sends and what the bot
    posts are in the order they happened, as on Slack (the bot compares a reply's ts with its question's)."""
    with _counter_lock:
        micro = max(time.time_ns() // 1_000, _last_ts[0] + 1)
        _last_ts[0] = micro
    return f"{micro // 1_000_000}.{micro % 1_000_000:06d}"


def new_trigger_id() -> str:
    return f"{_next()}.{int(time.time())}.{uuid.uuid4().hex[:24]}"


def new_event_id() -> str:
    return f"Ev{_next():04d}{uuid.uuid4().hex[:6].upper()}"


def new_id(prefix: str) -> str:
    """A Slack-looking id such as ``V0A1B2C3D4`` for the given one-letter prefix."""
    return f"{prefix}0{uuid.uuid4().hex[:9].upper()}"


_actors: dict[str, None] = {}


def _acting(user_id: str) -> str:
    """Remember a user a request is built for (see `actors`)."""
    with _counter_lock:
        _actors[user_id] = None
    return user_id


def actors() -> list[str]:
    """Every user a request has been built for in this process, first seen first: the fake Web API's members of
    a channel whose members a test did not set (everyone taking part is in the channel, as usual)."""
    with _counter_lock:
        return list(_actors)


def _user(user_id: str, user_name: str, team_id: str) -> dict[str, Any]:
    _acting(user_id)
    return {"id": user_id, "username": user_name, "name": user_name, "team_id": team_id}


def _team(team_id: str, team_domain: str) -> dict[str, Any]:
    return {"id": team_id, "domain": team_domain}


# --------------------------------------------------------------------------------------------------------
# slash commands


def slash_command(
    command: str = COMMAND,
    text: str = "",
    *,
    user_id: str = USER_ID,
    user_name: str = USER_NAME,
    channel_id: str = CHANNEL_ID,
    channel_name: str = CHANNEL_NAME,
    team_id: str = TEAM_ID,
    team_domain: str = TEAM_DOMAIN,
    api_app_id: str = APP_ID,
    response_url: str | None = None,
    trigger_id: str | None = None,
    enterprise_id: str | None = ENTERPRISE_ID,
    is_enterprise_install: bool = False,
) -> dict[str, str]:
    """The fields of a slash command, as Slack posts them (all values are strings)."""
    fields = {
        "token": "verification-token-unused",
        "team_id": team_id,
        "team_domain": team_domain,
        "channel_id": channel_id,
        "channel_name": channel_name,
        "user_id": _acting(user_id),
        "user_name": user_name,
        "command": command,
        "text": text,
        "api_app_id": api_app_id,
        "is_enterprise_install": "true" if is_enterprise_install else "false",
        "response_url": response_url or f"http://127.0.0.1:9/commands/{team_id}/{_next()}/unused",
        "trigger_id": trigger_id or new_trigger_id(),
    }
    if enterprise_id:
        fields["enterprise_id"] = enterprise_id
    return fields


# --------------------------------------------------------------------------------------------------------
# block actions: single actions


def button(
    action_id: str, value: str = "", *, block_id: str | None = None, text: str = "Button"
) -> dict[str, Any]:
    return {
        "type": "button",
        "action_id": action_id,
        "block_id": block_id or new_id("B"),
        "text": {"type": "plain_text", "text": text, "emoji": True},
        "value": value,
        "action_ts": new_ts(),
    }


def _option(value: str, text: str | None = None) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": text or value, "emoji": True}, "value": value}


def static_select(
    action_id: str, value: str, *, text: str | None = None, block_id: str | None = None
) -> dict[str, Any]:
    return {
        "type": "static_select",
        "action_id": action_id,
        "block_id": block_id or new_id("B"),
        "selected_option": _option(value, text),
        "placeholder": {"type": "plain_text", "text": "Choose", "emoji": True},
        "action_ts": new_ts(),
    }


def overflow(
    action_id: str, value: str, *, text: str | None = None, block_id: str | None = None
) -> dict[str, Any]:
    return {
        "type": "overflow",
        "action_id": action_id,
        "block_id": block_id or new_id("B"),
        "selected_option": _option(value, text),
        "action_ts": new_ts(),
    }


def checkboxes(action_id: str, values: Iterable[str], *, block_id: str | None = None) -> dict[str, Any]:
    return {
        "type": "checkboxes",
        "action_id": action_id,
        "block_id": block_id or new_id("B"),
        "selected_options": [_option(v) for v in values],
        "action_ts": new_ts(),
    }


def multi_static_select(
    action_id: str, values: Iterable[str], *, block_id: str | None = None
) -> dict[str, Any]:
    return {
        "type": "multi_static_select",
        "action_id": action_id,
        "block_id": block_id or new_id("B"),
        "selected_options": [_option(v) for v in values],
        "action_ts": new_ts(),
    }


def radio_buttons(action_id: str, value: str, *, block_id: str | None = None) -> dict[str, Any]:
    return {
        "type": "radio_buttons",
        "action_id": action_id,
        "block_id": block_id or new_id("B"),
        "selected_option": _option(value),
        "action_ts": new_ts(),
    }


# --------------------------------------------------------------------------------------------------------
# interaction payloads


def _message(
    ts: str, thread_ts: str | None, text: str, blocks: Sequence[Mapping[str, Any]] | None
) -> dict[str, Any]:
    message: dict[str, Any] = {
        "type": "message",
        "subtype": "bot_message",
        "user": BOT_USER_ID,
        "bot_id": BOT_ID,
        "app_id": APP_ID,
        "ts": ts,
        "text": text,
        "team": TEAM_ID,
        "blocks": [dict(b) for b in blocks or []],
    }
    if thread_ts:
        message["thread_ts"] = thread_ts
    return message


def block_actions(
    actions: Sequence[Mapping[str, Any]],
    *,
    user_id: str = USER_ID,
    user_name: str = USER_NAME,
    team_id: str = TEAM_ID,
    team_domain: str = TEAM_DOMAIN,
    channel_id: str = CHANNEL_ID,
    channel_name: str = CHANNEL_NAME,
    message_ts: str | None = None,
    thread_ts: str | None = None,
    message_text: str = "",
    message_blocks: Sequence[Mapping[str, Any]] | None = None,
    view: Mapping[str, Any] | None = None,
    trigger_id: str | None = None,
    response_url: str | None = None,
    api_app_id: str = APP_ID,
    state_values: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A ``block_actions`` payload: from a message (default) or, with ``view``, from a modal / Home tab."""
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": _user(user_id, user_name, team_id),
        "api_app_id": api_app_id,
        "token": "verification-token-unused",
        "trigger_id": trigger_id or new_trigger_id(),
        "team": _team(team_id, team_domain),
        "enterprise": None,
        "is_enterprise_install": False,
        "actions": [dict(a) for a in actions],
    }
    if view is not None:
        view_dict = dict(view)
        view_dict.setdefault("id", new_id("V"))
        view_dict.setdefault("type", "modal")
        view_dict.setdefault("team_id", team_id)
        view_dict.setdefault("state", {"values": dict(state_values or {})})
        view_dict.setdefault("hash", f"{int(time.time())}.{uuid.uuid4().hex[:8]}")
        view_dict.setdefault("private_metadata", "")
        view_dict.setdefault("callback_id", "")
        view_dict.setdefault("app_id", api_app_id)
        view_dict.setdefault("bot_id", BOT_ID)
        payload["container"] = {"type": "view", "view_id": view_dict["id"]}
        payload["view"] = view_dict
    else:
        ts = message_ts or new_ts()
        payload["container"] = {
            "type": "message",
            "message_ts": ts,
            "channel_id": channel_id,
            "is_ephemeral": False,
        }
        if thread_ts:
            payload["container"]["thread_ts"] = thread_ts
        payload["channel"] = {"id": channel_id, "name": channel_name}
        payload["message"] = _message(ts, thread_ts, message_text, message_blocks)
        payload["state"] = {"values": dict(state_values or {})}
        payload["response_url"] = response_url or f"http://127.0.0.1:9/actions/{team_id}/{_next()}/unused"
    return payload


# values inside view.state.values[block_id][action_id]


def text_value(value: str | None, *, action_type: str = "plain_text_input") -> dict[str, Any]:
    return {"type": action_type, "value": value}


def select_value(value: str | None, *, action_type: str = "static_select") -> dict[str, Any]:
    return {"type": action_type, "selected_option": None if value is None else _option(value)}


def options_value(values: Iterable[str], *, action_type: str = "checkboxes") -> dict[str, Any]:
    return {"type": action_type, "selected_options": [_option(v) for v in values]}


def view_submission(
    callback_id: str,
    values: Mapping[str, Mapping[str, Mapping[str, Any]]] | None = None,
    *,
    private_metadata: str = "",
    view_id: str | None = None,
    external_id: str = "",
    title: str = "Outsource Review",
    blocks: Sequence[Mapping[str, Any]] | None = None,
    user_id: str = USER_ID,
    user_name: str = USER_NAME,
    team_id: str = TEAM_ID,
    team_domain: str = TEAM_DOMAIN,
    api_app_id: str = APP_ID,
    trigger_id: str | None = None,
    response_urls: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """A ``view_submission`` payload; ``values`` is ``{block_id: {action_id: text_value(...) | ...}}``."""
    vid = view_id or new_id("V")
    return {
        "type": "view_submission",
        "team": _team(team_id, team_domain),
        "user": _user(user_id, user_name, team_id),
        "api_app_id": api_app_id,
        "token": "verification-token-unused",
        "trigger_id": trigger_id or new_trigger_id(),
        "view": _view(
            vid, callback_id, values, private_metadata, external_id, title, blocks, team_id, api_app_id
        ),
        "response_urls": [dict(r) for r in response_urls],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def view_closed(
    callback_id: str,
    *,
    private_metadata: str = "",
    view_id: str | None = None,
    is_cleared: bool = False,
    values: Mapping[str, Mapping[str, Mapping[str, Any]]] | None = None,
    user_id: str = USER_ID,
    user_name: str = USER_NAME,
    team_id: str = TEAM_ID,
    team_domain: str = TEAM_DOMAIN,
    api_app_id: str = APP_ID,
) -> dict[str, Any]:
    vid = view_id or new_id("V")
    return {
        "type": "view_closed",
        "team": _team(team_id, team_domain),
        "user": _user(user_id, user_name, team_id),
        "api_app_id": api_app_id,
        "token": "verification-token-unused",
        "view": _view(
            vid, callback_id, values, private_metadata, "", "Outsource Review", None, team_id, api_app_id
        ),
        "is_cleared": is_cleared,
        "is_enterprise_install": False,
        "enterprise": None,
    }


def _view(
    view_id: str,
    callback_id: str,
    values: Mapping[str, Mapping[str, Mapping[str, Any]]] | None,
    private_metadata: str,
    external_id: str,
    title: str,
    blocks: Sequence[Mapping[str, Any]] | None,
    team_id: str,
    api_app_id: str,
) -> dict[str, Any]:
    return {
        "id": view_id,
        "team_id": team_id,
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": private_metadata,
        "external_id": external_id,
        "title": {"type": "plain_text", "text": title, "emoji": True},
        "submit": {"type": "plain_text", "text": "Submit", "emoji": True},
        "close": {"type": "plain_text", "text": "Cancel", "emoji": True},
        "blocks": [dict(b) for b in blocks or []],
        "state": {"values": {b: {a: dict(v) for a, v in acts.items()} for b, acts in (values or {}).items()}},
        "hash": f"{int(time.time())}.{uuid.uuid4().hex[:8]}",
        "clear_on_close": False,
        "notify_on_close": False,
        "previous_view_id": None,
        "root_view_id": view_id,
        "app_id": api_app_id,
        "app_installed_team_id": team_id,
        "bot_id": BOT_ID,
    }


def block_suggestion(
    action_id: str,
    value: str,
    *,
    block_id: str | None = None,
    view: Mapping[str, Any] | None = None,
    channel_id: str = CHANNEL_ID,
    channel_name: str = CHANNEL_NAME,
    message_ts: str | None = None,
    user_id: str = USER_ID,
    user_name: str = USER_NAME,
    team_id: str = TEAM_ID,
    team_domain: str = TEAM_DOMAIN,
    api_app_id: str = APP_ID,
) -> dict[str, Any]:
    """A ``block_suggestion`` payload (an external_select asking for options) from a modal or a message."""
    payload: dict[str, Any] = {
        "type": "block_suggestion",
        "user": _user(user_id, user_name, team_id),
        "team": _team(team_id, team_domain),
        "api_app_id": api_app_id,
        "token": "verification-token-unused",
        "action_id": action_id,
        "block_id": block_id or new_id("B"),
        "value": value,
        "action_ts": new_ts(),
        "is_enterprise_install": False,
        "enterprise": None,
    }
    if view is not None:
        view_dict = dict(view)
        view_dict.setdefault("id", new_id("V"))
        view_dict.setdefault("type", "modal")
        view_dict.setdefault("state", {"values": {}})
        payload["container"] = {"type": "view", "view_id": view_dict["id"]}
        payload["view"] = view_dict
    else:
        ts = message_ts or new_ts()
        payload["container"] = {
            "type": "message",
            "message_ts": ts,
            "channel_id": channel_id,
            "is_ephemeral": False,
        }
        payload["channel"] = {"id": channel_id, "name": channel_name}
        payload["message"] = _message(ts, None, "", None)
    return payload


# --------------------------------------------------------------------------------------------------------
# Events API


def event_callback(
    event: Mapping[str, Any],
    *,
    event_id: str | None = None,
    event_time: int | None = None,
    team_id: str = TEAM_ID,
    api_app_id: str = APP_ID,
    authorizations: Sequence[Mapping[str, Any]] | None = None,
    enterprise_id: str | None = ENTERPRISE_ID,
) -> dict[str, Any]:
    """An ``event_callback`` envelope around ``event``, as posted to the Request URL."""
    return {
        "token": "verification-token-unused",
        "team_id": team_id,
        "enterprise_id": enterprise_id,
        "context_team_id": team_id,
        "context_enterprise_id": enterprise_id,
        "api_app_id": api_app_id,
        "event": dict(event),
        "type": "event_callback",
        "event_id": event_id or new_event_id(),
        "event_time": event_time if event_time is not None else int(time.time()),
        "authorizations": [dict(a) for a in authorizations]
        if authorizations is not None
        else [
            {
                "enterprise_id": enterprise_id,
                "team_id": team_id,
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-{uuid.uuid4().hex}",
    }


def url_verification(
    challenge: str = "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
) -> dict[str, str]:
    return {"token": "verification-token-unused", "challenge": challenge, "type": "url_verification"}


def message_event(
    text: str,
    *,
    user: str = USER_ID,
    channel: str = CHANNEL_ID,
    ts: str | None = None,
    thread_ts: str | None = None,
    channel_type: str = "channel",
    subtype: str | None = None,
    bot_id: str | None = None,
    team: str = TEAM_ID,
    parent_user_id: str | None = BOT_USER_ID,
) -> dict[str, Any]:
    """A ``message`` event (``message.channels`` / ``message.groups``); a thread reply when ``thread_ts``."""
    ts = ts or new_ts()
    event: dict[str, Any] = {
        "type": "message",
        "text": text,
        "user": _acting(user),
        "ts": ts,
        "event_ts": ts,
        "team": team,
        "channel": channel,
        "channel_type": channel_type,
        "client_msg_id": str(uuid.uuid4()),
        "blocks": [
            {
                "type": "rich_text",
                "block_id": uuid.uuid4().hex[:5],
                "elements": [{"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}],
            }
        ],
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
        if parent_user_id:
            event["parent_user_id"] = parent_user_id
    if subtype:
        event["subtype"] = subtype
    if bot_id:
        event["bot_id"] = bot_id
        event.pop("client_msg_id", None)
    return event


def app_mention_event(
    text: str,
    *,
    user: str = USER_ID,
    channel: str = CHANNEL_ID,
    ts: str | None = None,
    thread_ts: str | None = None,
    team: str = TEAM_ID,
) -> dict[str, Any]:
    ts = ts or new_ts()
    event: dict[str, Any] = {
        "type": "app_mention",
        "text": f"<@{BOT_USER_ID}> {text}".rstrip(),
        "user": _acting(user),
        "ts": ts,
        "event_ts": ts,
        "team": team,
        "channel": channel,
        "client_msg_id": str(uuid.uuid4()),
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def app_home_opened_event(
    user: str = USER_ID, *, tab: str = "home", channel: str = "D0BOTDM", view: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": "app_home_opened",
        "user": user,
        "channel": channel,
        "tab": tab,
        "event_ts": new_ts(),
    }
    if view is not None:
        event["view"] = dict(view)
    return event


def app_uninstalled_event() -> dict[str, Any]:
    return {"type": "app_uninstalled", "event_ts": new_ts()}


def tokens_revoked_event(*, bot: Sequence[str] = (BOT_USER_ID,), oauth: Sequence[str] = ()) -> dict[str, Any]:
    return {
        "type": "tokens_revoked",
        "tokens": {"oauth": list(oauth), "bot": list(bot)},
        "event_ts": new_ts(),
    }
