"""manifest.yml creates the Slack app: it must pass Slack's rules for manifests (bot/slack/manifest.py), and each
of those rules really refuses a manifest that breaks it.

``load_manifest()`` is the one way to read the manifest in tests (a later check compares it with the commands,
events and scopes the code registers).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from bot.slack.manifest import Manifest, ManifestError, check, https_base
from bot.slack.subcommands import SUBCOMMANDS
from tests.support.manifest import (
    load_manifest,
    manifest_bot_events,
    manifest_bot_scopes,
    manifest_slash_commands,
)

COMMAND = "/outsource-review"
BOT_EVENTS = {
    "app_home_opened",
    "app_mention",
    "message.channels",
    "message.groups",
    "message.im",
    "app_uninstalled",
    "tokens_revoked",
}
BOT_SCOPES = {
    "commands",
    "chat:write",
    "channels:history",
    "groups:history",
    "im:history",
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
    "message.im": "im:history",
}


def test_manifest_passes_slacks_rules() -> None:
    manifest = check(load_manifest())
    assert isinstance(manifest, Manifest)
    assert manifest.display_information.name == "Outsource Review"


def test_display_information() -> None:
    info = load_manifest()["display_information"]
    assert info["name"] == "Outsource Review"
    assert 175 <= len(info["long_description"]) <= 4000
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


# ---------------------------------------------------------------- each of Slack's rules refuses a broken copy

DELETE = object()
Path_ = tuple[str | int, ...]


def changed(*edits: tuple[Path_, Any]) -> dict[str, Any]:
    """A copy of manifest.yml with each (path, value) set, or the key removed when the value is DELETE."""
    manifest = load_manifest()
    for path, value in edits:
        parent: Any = manifest
        for key in path[:-1]:
            parent = parent.setdefault(key, {}) if isinstance(key, str) else parent[key]
        if value is DELETE:
            del parent[path[-1]]
        else:
            parent[path[-1]] = value
    return manifest


NAME = ("display_information", "name")
COMMAND_0 = ("features", "slash_commands", 0)
SCOPES = ("oauth_config", "scopes", "bot")
EVENTS = ("settings", "event_subscriptions")
SETTINGS = ("settings",)
HTTP = (("settings", "socket_mode_enabled"), False)
EVENTS_URL = (("settings", "event_subscriptions", "request_url"), "https://bot.example.com/slack/events")
INTERACTIVITY_URL = (("settings", "interactivity", "request_url"), "https://bot.example.com/slack/events")
COMMAND_URL = ((*COMMAND_0, "url"), "https://bot.example.com/slack/events")

# (what is broken, the manifest, where the problem must be named, words the message must contain)
BROKEN: list[tuple[str, Callable[[], dict[str, Any]], str, str]] = [
    ("no app name", lambda: changed((NAME, DELETE)), "display_information › name", "required"),
    ("an empty app name", lambda: changed((NAME, "")), "display_information › name", "at least 1"),
    ("a 36-letter app name", lambda: changed((NAME, "x" * 36)), "display_information › name", "at most 35"),
    ("an app name that is a number", lambda: changed((NAME, 42)), "display_information › name", "string"),
    (
        "a description over 140 characters",
        lambda: changed((("display_information", "description"), "d" * 141)),
        "display_information › description",
        "at most 140",
    ),
    (
        "a long description under 175 characters",
        lambda: changed((("display_information", "long_description"), "Too short.")),
        "display_information › long_description",
        "at least 175",
    ),
    (
        "a colour without #",
        lambda: changed((("display_information", "background_color"), "1f4e79")),
        "display_information › background_color",
        "hex colour",
    ),
    (
        "a colour that is not hex",
        lambda: changed((("display_information", "background_color"), "#1f4e7g")),
        "display_information › background_color",
        "hex colour",
    ),
    (
        "an unknown key in display_information",
        lambda: changed((("display_information", "icon"), "x.png")),
        "display_information › icon",
        "Slack does not know this key",
    ),
    (
        "a bot user without display_name",
        lambda: changed((("features", "bot_user", "display_name"), DELETE)),
        "features › bot_user › display_name",
        "required",
    ),
    (
        "a bot display name over 80 characters",
        lambda: changed((("features", "bot_user", "display_name"), "b" * 81)),
        "features › bot_user › display_name",
        "at most 80",
    ),
    (
        "always_online as text",
        lambda: changed((("features", "bot_user", "always_online"), "yes")),
        "features › bot_user › always_online",
        "boolean",
    ),
    (
        "a command without its slash",
        lambda: changed(((*COMMAND_0, "command"), "outsource-review")),
        "features › slash_commands › item 1 › command",
        "write it as /name",
    ),
    (
        "a command with a space",
        lambda: changed(((*COMMAND_0, "command"), "/outsource review")),
        "features › slash_commands › item 1 › command",
        "without spaces",
    ),
    (
        "a command over 32 characters",
        lambda: changed(((*COMMAND_0, "command"), "/" + "o" * 32)),
        "features › slash_commands › item 1 › command",
        "at most 32",
    ),
    (
        "a command without a description",
        lambda: changed(((*COMMAND_0, "description"), DELETE)),
        "features › slash_commands › item 1 › description",
        "required",
    ),
    (
        "a usage hint over 1000 characters",
        lambda: changed(((*COMMAND_0, "usage_hint"), "h" * 1001)),
        "features › slash_commands › item 1 › usage_hint",
        "at most 1000",
    ),
    (
        "a command URL that is not https",
        lambda: changed(((*COMMAND_0, "url"), "http://bot.example.com/slack/events")),
        "features › slash_commands › item 1 › url",
        "https://",
    ),
    (
        "should_escape as text",
        lambda: changed(((*COMMAND_0, "should_escape"), "false")),
        "features › slash_commands › item 1 › should_escape",
        "boolean",
    ),
    (
        "an unknown key in a command",
        lambda: changed(((*COMMAND_0, "hint"), "help")),
        "features › slash_commands › item 1 › hint",
        "Slack does not know this key",
    ),
    (
        "the same command twice",
        lambda: changed((("features", "slash_commands"), load_manifest()["features"]["slash_commands"] * 2)),
        "features › slash_commands",
        "listed twice",
    ),
    (
        "an empty list of commands",
        lambda: changed((("features", "slash_commands"), [])),
        "features › slash_commands",
        "at least 1",
    ),
    (
        "an unknown key in app_home",
        lambda: changed((("features", "app_home", "home_tab"), True)),
        "features › app_home › home_tab",
        "Slack does not know this key",
    ),
    (
        "a home tab switch as a number",
        lambda: changed((("features", "app_home", "home_tab_enabled"), 1)),
        "features › app_home › home_tab_enabled",
        "boolean",
    ),
    (
        "an unknown key in features",
        lambda: changed((("features", "slash_command"), [])),
        "features › slash_command",
        "Slack does not know this key",
    ),
    (
        "a redirect URL that is not https",
        lambda: changed((("oauth_config", "redirect_urls"), ["http://bot.example.com/slack/oauth_redirect"])),
        "oauth_config › redirect_urls › item 1",
        "https://",
    ),
    (
        "the same redirect URL twice",
        lambda: changed(
            (("oauth_config", "redirect_urls"), ["https://a.example.com/r", "https://a.example.com/r"])
        ),
        "oauth_config › redirect_urls",
        "listed twice",
    ),
    (
        "a scope that is not a scope name",
        lambda: changed(((*SCOPES, 1), "Chat Write")),
        "oauth_config › scopes › bot › item 2",
        "not a scope name",
    ),
    (
        "a scope over 50 characters",
        lambda: changed(((*SCOPES, 1), "chat:" + "w" * 46)),
        "oauth_config › scopes › bot › item 2",
        "at most 50",
    ),
    (
        "the same scope twice",
        lambda: changed(((*SCOPES, 1), "commands")),
        "oauth_config › scopes › bot",
        "'commands' is listed twice",
    ),
    (
        "scopes as one text",
        lambda: changed((SCOPES, "commands,chat:write")),
        "oauth_config › scopes › bot",
        "list",
    ),
    (
        "an unknown kind of scope",
        lambda: changed((("oauth_config", "scopes", "bots"), ["commands"])),
        "oauth_config › scopes › bots",
        "Slack does not know this key",
    ),
    (
        "an unknown key in oauth_config",
        lambda: changed((("oauth_config", "redirect_url"), "https://bot.example.com/")),
        "oauth_config › redirect_url",
        "Slack does not know this key",
    ),
    (
        "an events URL that is not https",
        lambda: changed(((*EVENTS, "request_url"), "ftp://bot.example.com/slack/events")),
        "settings › event_subscriptions › request_url",
        "https://",
    ),
    (
        "an event that is not an event name",
        lambda: changed(((*EVENTS, "bot_events", 0), "App Home Opened")),
        "settings › event_subscriptions › bot_events › item 1",
        "not an event name",
    ),
    (
        "the same event twice",
        lambda: changed(((*EVENTS, "bot_events", 0), "app_mention")),
        "settings › event_subscriptions › bot_events",
        "'app_mention' is listed twice",
    ),
    (
        "interactivity without is_enabled",
        lambda: changed((("settings", "interactivity", "is_enabled"), DELETE)),
        "settings › interactivity › is_enabled",
        "required",
    ),
    (
        "an interactivity URL that is not https",
        lambda: changed((("settings", "interactivity", "request_url"), "bot.example.com/slack/events")),
        "settings › interactivity › request_url",
        "https://",
    ),
    (
        "socket_mode_enabled as text",
        lambda: changed(((*SETTINGS, "socket_mode_enabled"), "true")),
        "settings › socket_mode_enabled",
        "boolean",
    ),
    (
        "org_deploy_enabled as a number",
        lambda: changed(((*SETTINGS, "org_deploy_enabled"), 0)),
        "settings › org_deploy_enabled",
        "boolean",
    ),
    (
        "token_rotation_enabled as text",
        lambda: changed(((*SETTINGS, "token_rotation_enabled"), "no")),
        "settings › token_rotation_enabled",
        "boolean",
    ),
    (
        "an unknown key in settings",
        lambda: changed(((*SETTINGS, "socket_mode"), True)),
        "settings › socket_mode",
        "Slack does not know this key",
    ),
    (
        "an unknown key at the top",
        lambda: changed((("display_info",), {"name": "x"})),
        "display_info",
        "Slack does not know this key",
    ),
    (
        "a manifest of another major version",
        lambda: changed((("_metadata", "major_version"), 2)),
        "_metadata › major_version",
        "less than or equal to 1",
    ),
    (
        "HTTP mode without the command's URL",
        lambda: changed(HTTP, EVENTS_URL, INTERACTIVITY_URL),
        "features › slash_commands › item 1 › url",
        "required when socket_mode_enabled is false",
    ),
    (
        "HTTP mode without the events URL",
        lambda: changed(HTTP, COMMAND_URL, INTERACTIVITY_URL),
        "settings › event_subscriptions › request_url",
        "required when socket_mode_enabled is false",
    ),
    (
        "HTTP mode without the interactivity URL",
        lambda: changed(HTTP, COMMAND_URL, EVENTS_URL),
        "settings › interactivity › request_url",
        "required when socket_mode_enabled is false",
    ),
]


@pytest.mark.parametrize(("what", "manifest", "place", "words"), BROKEN, ids=[b[0] for b in BROKEN])
def test_each_rule_refuses_a_broken_copy(
    what: str, manifest: Callable[[], dict[str, Any]], place: str, words: str
) -> None:
    with pytest.raises(ManifestError) as caught:
        check(manifest())
    named = [p for p in caught.value.problems if p.startswith(f"{place}: ")]
    assert named, f"{what}: no problem names {place!r}: {caught.value.problems}"
    assert any(words in p for p in named), f"{what}: {named}"


def test_http_mode_with_every_url_passes() -> None:
    check(changed(HTTP, COMMAND_URL, EVENTS_URL, INTERACTIVITY_URL))


def test_keys_slack_knows_and_this_app_does_not_use_pass() -> None:
    """Only what Slack itself refuses is refused: its other keys pass through unchecked."""
    check(
        changed(
            (
                ("$schema",),
                "https://raw.githubusercontent.com/slackapi/manifest-schema/main/manifest.schema.json",
            ),
            (("features", "unfurl_domains"), ["example.com"]),
            (("oauth_config", "scopes", "user"), ["search:read"]),
            (("settings", "incoming_webhooks"), {"incoming_webhooks_enabled": False}),
            (("settings", "interactivity", "message_menu_options_url"), "https://bot.example.com/menus"),
            (("app_directory",), {"pricing": "Free"}),
        )
    )


def test_a_message_names_every_broken_field() -> None:
    manifest = changed((NAME, "x" * 36), ((*COMMAND_0, "command"), "outsource-review"), ((*SETTINGS, "x"), 1))
    with pytest.raises(ManifestError) as caught:
        check(manifest)
    places = [p.split(": ")[0] for p in caught.value.problems]
    assert places == [
        "display_information › name",
        "features › slash_commands › item 1 › command",
        "settings › x",
    ]
    assert "display_information › name: String should have at most 35 characters" in str(caught.value)


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://bot.example.com", "use an https:// address"),
        ("bot.example.com", "use an https:// address"),
        ("https://", "not a valid web address"),
        ("https://bot_1.example.com", "not a valid web address"),
        ("https://me@bot.example.com", "not a valid web address"),
        ("https://bot.example.com/?token=1", "not a valid web address"),
        ("https://bot.example.com/#top", "not a valid web address"),
        ("https://bot.example.com:99999", "the port must be a number from 1 to 65535"),
        ("https://bot.example.com:0", "the port must be a number from 1 to 65535"),
    ],
)
def test_https_base_refuses_what_slack_cannot_call(url: str, says: str) -> None:
    with pytest.raises(ValueError, match=re.escape(f"--url {url!r}: {says}")):
        https_base(url)


def test_https_base_keeps_the_port_and_path_without_a_trailing_slash() -> None:
    assert https_base(" https://bot.example.com/ ") == "https://bot.example.com"
    assert https_base("https://10.0.0.7:8443/review/") == "https://10.0.0.7:8443/review"
