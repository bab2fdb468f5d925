"""manifest.yml creates the Slack app: it must validate against Slack's own manifest schema.

``load_manifest()`` is the one way to read the manifest in tests (a later check compares it with the commands,
events and scopes the code registers).
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from bot.slack.listeners.commands import SUBCOMMANDS

REPO_ROOT = Path(__file__).resolve().parents[1]
MANIFEST_PATH = REPO_ROOT / "manifest.yml"
# The repository sits beside shared/ on every machine, CI included.
SCHEMA_DIR = REPO_ROOT.parent / "shared" / "slack-manifest-schema"

COMMAND = "/outsource-review"
BOT_EVENTS = {
    "app_home_opened",
    "app_mention",
    "message.channels",
    "message.groups",
    "app_uninstalled",
    "tokens_revoked",
}
BOT_SCOPES = {
    "commands",
    "chat:write",
    "channels:history",
    "groups:history",
    "app_mentions:read",
    "files:write",
    "users:read",
    "channels:read",
    "groups:read",
}
# What each subscribed event needs to be delivered at all.
EVENT_SCOPES = {
    "app_mention": "app_mentions:read",
    "message.channels": "channels:history",
    "message.groups": "groups:history",
}


def load_manifest() -> dict[str, Any]:
    """The parsed ``manifest.yml`` at the repository root (a fresh copy each call)."""
    data = yaml.safe_load(MANIFEST_PATH.read_text(encoding="utf-8"))
    assert isinstance(data, dict), "manifest.yml must be a mapping"
    return data


def manifest_slash_commands(manifest: dict[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    """Slash commands by name, e.g. ``{"/outsource-review": {...}}``."""
    m = manifest or load_manifest()
    return {c["command"]: c for c in m.get("features", {}).get("slash_commands", [])}


def manifest_bot_events(manifest: dict[str, Any] | None = None) -> set[str]:
    m = manifest or load_manifest()
    return set(m.get("settings", {}).get("event_subscriptions", {}).get("bot_events", []))


def manifest_bot_scopes(manifest: dict[str, Any] | None = None) -> set[str]:
    m = manifest or load_manifest()
    return set(m.get("oauth_config", {}).get("scopes", {}).get("bot", []))


@cache
def _schema(major_version: int) -> dict[str, Any]:
    path = SCHEMA_DIR / f"manifest.schema.{major_version}.0.0.json"
    if not path.is_file():
        pytest.fail(f"Slack's manifest schema is missing: {path} (expected beside the repository in shared/)")
    schema = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(schema, dict)
    return schema


def test_manifest_validates_against_slacks_schema() -> None:
    manifest = load_manifest()
    major = int(manifest.get("_metadata", {}).get("major_version", 1))
    schema = _schema(major)
    validator_cls = jsonschema.validators.validator_for(schema)
    validator_cls.check_schema(schema)
    errors = sorted(validator_cls(schema).iter_errors(manifest), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(
        f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in errors
    )


def test_display_information() -> None:
    info = load_manifest()["display_information"]
    assert info["name"] == "Outsource Review"
    assert 175 <= len(info["long_description"]) <= 4000
    # the schema spells this pattern as "regex", which JSON Schema ignores, so check it here
    assert re.fullmatch(r"#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?", info["background_color"])


def test_slash_command() -> None:
    commands = manifest_slash_commands()
    assert list(commands) == [COMMAND]
    command = commands[COMMAND]
    assert command["description"]
    hint = [part.strip() for part in command["usage_hint"].split("|")]
    assert hint[0] == "[title]"
    assert sorted(hint[1:]) == sorted(SUBCOMMANDS)  # every subcommand the code knows, and no other
    assert "url" not in command  # Socket Mode: Slack sends commands over the WebSocket


def test_events_and_scopes() -> None:
    manifest = load_manifest()
    assert manifest_bot_events(manifest) == BOT_EVENTS
    scopes = manifest_bot_scopes(manifest)
    assert scopes == BOT_SCOPES
    for event, scope in EVENT_SCOPES.items():
        assert scope in scopes, f"{event} needs the {scope} scope"


def test_socket_mode_and_app_home() -> None:
    manifest = load_manifest()
    settings = manifest["settings"]
    assert settings["socket_mode_enabled"] is True
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["org_deploy_enabled"] is False
    assert settings["token_rotation_enabled"] is False
    home = manifest["features"]["app_home"]
    assert home == {
        "home_tab_enabled": True,
        "messages_tab_enabled": True,
        "messages_tab_read_only_enabled": False,
    }
    bot = manifest["features"]["bot_user"]
    assert bot == {"display_name": "outsource-review", "always_online": True}


def test_a_broken_manifest_is_caught() -> None:
    """The validation above really bites: a command without a slash and an unknown key both fail."""
    manifest = load_manifest()
    manifest["features"]["slash_commands"][0]["command"] = "outsource-review"
    manifest["settings"]["socket_mode"] = True
    schema = _schema(1)
    messages = [e.message for e in jsonschema.validators.validator_for(schema)(schema).iter_errors(manifest)]
    assert any("does not match" in m for m in messages)
    assert any("Additional properties" in m for m in messages)
