"""manifest.yml declares exactly what the code in bot/slack/ uses: the slash command and its subcommands, the
events it listens to, interactivity, the Home tab, and the least set of bot scopes those need.

The code is read with `ast`, not imported, so a Web API call added anywhere in bot/slack/ is seen here; a method
this table does not know fails the test until someone adds it with its scope.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from bot.slack.subcommands import SUBCOMMANDS
from tests.support.manifest import (
    load_manifest,
    manifest_bot_events,
    manifest_bot_scopes,
    manifest_slash_commands,
)

SLACK_CODE = Path(__file__).resolve().parents[2] / "bot" / "slack"

# Web API methods (slack_sdk's snake_case names) and the bot scopes they need; views.* need none.
METHOD_SCOPES: dict[str, frozenset[str]] = {
    "chat_postMessage": frozenset({"chat:write"}),
    "chat_update": frozenset({"chat:write"}),
    "chat_postEphemeral": frozenset({"chat:write"}),
    "chat_delete": frozenset({"chat:write"}),
    "chat_scheduleMessage": frozenset({"chat:write"}),
    "chat_deleteScheduledMessage": frozenset({"chat:write"}),
    "chat_scheduledMessages_list": frozenset({"chat:write"}),
    "chat_getPermalink": frozenset(),
    "files_upload_v2": frozenset({"files:write"}),
    "files_getUploadURLExternal": frozenset({"files:write"}),
    "files_completeUploadExternal": frozenset({"files:write"}),
    "users_info": frozenset({"users:read"}),
    "views_open": frozenset(),
    "views_push": frozenset(),
    "views_update": frozenset(),
    "views_publish": frozenset(),
    "conversations_info": frozenset({"channels:read", "groups:read"}),
    "conversations_members": frozenset({"channels:read", "groups:read"}),
    "conversations_replies": frozenset({"channels:history", "groups:history"}),
    "conversations_history": frozenset({"channels:history", "groups:history"}),
    "reactions_add": frozenset({"reactions:write"}),
    "auth_test": frozenset(),
    "auth_revoke": frozenset(),
    "apps_uninstall": frozenset(),
    "oauth_v2_access": frozenset(),
    "team_info": frozenset({"team:read"}),
}
# `@app.event(name)` and the event subscriptions (with their scopes) that deliver it.
EVENT_SUBSCRIPTIONS: dict[str, dict[str, frozenset[str]]] = {
    "message": {
        "message.channels": frozenset({"channels:history"}),
        "message.groups": frozenset({"groups:history"}),
        "message.im": frozenset({"im:history"}),  # ratings sent to the bot in a direct message
    },
    "app_mention": {"app_mention": frozenset({"app_mentions:read"})},
    "app_home_opened": {"app_home_opened": frozenset()},
    "app_uninstalled": {"app_uninstalled": frozenset()},
    "tokens_revoked": {"tokens_revoked": frozenset()},
}
# Declared for OAuth clean-up: Bolt's installation store handles them, so no listener is required in our code.
LIFECYCLE_EVENTS = {"app_uninstalled", "tokens_revoked"}
SLASH_COMMAND_SCOPE = "commands"
WEB_API_NAME = re.compile(
    r"^(chat|files|users|views|conversations|reactions|auth|apps|team|oauth|pins|bookmarks|usergroups|bots)_\w+$"
)


@dataclass
class CodeUse:
    commands: set[str] = field(default_factory=set)
    events: set[str] = field(default_factory=set)
    methods: dict[str, set[str]] = field(default_factory=dict)  # method -> files using it
    interactive: set[str] = field(default_factory=set)  # app.action / app.view / app.shortcut / app.options
    revocation_listeners: bool = False


def _sources() -> Iterator[tuple[Path, ast.Module]]:
    for path in sorted(SLACK_CODE.rglob("*.py")):
        yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _constants(tree: ast.Module) -> dict[str, str]:
    """Module-level `NAME = "text"` assignments, to resolve `@app.command(COMMAND)`."""
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            for target in node.targets:
                if isinstance(target, ast.Name) and isinstance(node.value.value, str):
                    found[target.id] = node.value.value
    return found


def _text(node: ast.expr, constants: dict[str, str]) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name):
        return constants.get(node.id)
    return None


def _is_client(node: ast.expr) -> bool:
    """`client`, `self.client`, `app.client`, `web_client`...: a WebClient, by the names this code gives it."""
    if isinstance(node, ast.Call):  # quick(client): the same client with the in-request timeout
        return _is_client(node.func) or any(_is_client(arg) for arg in node.args)
    name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""
    return name.endswith("client")


# Modules that send outbox rows as they are (their method is the row's), and rows that are drawn at delivery
# rather than called (bot.slack.report_uploads: they upload through files_upload_v2, scanned there).
OUTBOX_SENDERS = ("sending.py",)
OUTBOX_JOBS = ("report.chart", "report.file", "checkin.chart")


@cache
def code_use() -> CodeUse:
    use = CodeUse()
    for path, tree in _sources():
        constants = _constants(tree)
        where = str(path.relative_to(SLACK_CODE))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and _is_client(node.value) and WEB_API_NAME.match(node.attr):
                use.methods.setdefault(node.attr, set()).add(where)
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
                continue
            name = node.func.attr
            if name == "api_call" and node.args:
                method = _text(node.args[0], constants)
                # The delivery worker calls whatever method an outbox row names: those are read where the
                # rows are written (`add` below); any other api_call must name its method.
                if method is None and where in OUTBOX_SENDERS:
                    continue
                assert method, f"{where}: api_call with a method name this test cannot read"
                use.methods.setdefault(method.replace(".", "_"), set()).add(where)
            if name == "add" and node.args:  # an outbox row: Mail.add("chat.postMessage", ...)
                method = _text(node.args[0], constants)
                if method and WEB_API_NAME.match(method.replace(".", "_")) and method not in OUTBOX_JOBS:
                    use.methods.setdefault(method.replace(".", "_"), set()).add(where)
            if name == "enable_token_revocation_listeners":
                use.revocation_listeners = True
            is_app = isinstance(node.func.value, ast.Name) and node.func.value.id == "app"
            if not is_app:
                continue
            if name == "command":
                command = _text(node.args[0], constants)
                assert command, f"{where}: a slash command this test cannot read"
                use.commands.add(command)
            elif name == "event":
                event = _text(node.args[0], constants)
                assert event, f"{where}: an event name this test cannot read"
                use.events.add(event)
            elif name in ("action", "view", "shortcut", "options", "block_action"):
                use.interactive.add(f"{where}:{node.lineno}")
    return use


def test_the_scan_sees_the_code() -> None:
    """Guards the scanner itself: these uses exist today and must be found."""
    use = code_use()
    assert "/outsource-review" in use.commands
    assert {"message", "app_mention", "app_home_opened"} <= use.events
    assert {"chat_postMessage", "chat_update", "views_publish", "files_upload_v2"} <= set(use.methods)
    assert use.interactive


def test_every_method_the_code_calls_has_a_known_scope() -> None:
    unknown = {m: sorted(files) for m, files in code_use().methods.items() if m not in METHOD_SCOPES}
    assert not unknown, f"add these Web API methods and their scopes to METHOD_SCOPES: {unknown}"


def test_the_slash_command_and_its_subcommands() -> None:
    manifest = load_manifest()
    commands = manifest_slash_commands(manifest)
    assert set(commands) == code_use().commands
    for name, command in commands.items():
        hint = [part.strip() for part in command.get("usage_hint", "").split("|")]
        words = [h for h in hint if not h.startswith("[")]
        assert set(words) == set(SUBCOMMANDS), (
            f"{name}'s usage hint offers {sorted(set(words) - set(SUBCOMMANDS))} that the code does not "
            f"handle (they would start a review with that title) and omits "
            f"{sorted(set(SUBCOMMANDS) - set(words))}"
        )


def test_the_events_the_code_listens_to() -> None:
    use = code_use()
    declared = manifest_bot_events()
    unknown = use.events - set(EVENT_SUBSCRIPTIONS)
    assert not unknown, f"add these events to EVENT_SUBSCRIPTIONS: {unknown}"
    needed = {sub for event in use.events for sub in EVENT_SUBSCRIPTIONS[event]}
    if use.revocation_listeners:
        needed |= LIFECYCLE_EVENTS
    assert needed <= declared, f"listened to but not subscribed: {sorted(needed - declared)}"
    unused = declared - needed - LIFECYCLE_EVENTS
    assert not unused, f"subscribed but no listener: {sorted(unused)}"


def test_interactivity_and_the_home_tab() -> None:
    manifest = load_manifest()
    use = code_use()
    interactivity = manifest.get("settings", {}).get("interactivity", {})
    assert bool(interactivity.get("is_enabled")) == bool(use.interactive)
    home = manifest.get("features", {}).get("app_home", {})
    assert bool(home.get("home_tab_enabled")) == ("views_publish" in use.methods)
    assert ("app_home_opened" in use.events) == ("views_publish" in use.methods)


def test_the_bot_scopes_are_exactly_the_ones_needed() -> None:
    use = code_use()
    needed: dict[str, set[str]] = {}
    if use.commands:
        needed.setdefault(SLASH_COMMAND_SCOPE, set()).add("slash command")
    for method in use.methods:
        for scope in METHOD_SCOPES.get(method, frozenset()):
            needed.setdefault(scope, set()).add(method)
    for event in use.events:
        for subscription, scopes in EVENT_SUBSCRIPTIONS.get(event, {}).items():
            for scope in scopes:
                needed.setdefault(scope, set()).add(subscription)
    declared = manifest_bot_scopes()
    missing = {s: sorted(why) for s, why in needed.items() if s not in declared}
    assert not missing, f"scopes the code needs but manifest.yml lacks: {missing}"
    unneeded = declared - set(needed)
    assert not unneeded, f"scopes manifest.yml asks for but nothing uses: {sorted(unneeded)}"
