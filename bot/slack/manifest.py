"""The Slack app's manifest (`manifest.yml` at the repository root): Slack's rules for it, and the variants
`outsource-review manifest` prints for HTTP (`--url`) and Socket Mode (`--socket`).

The models below are this project's own reading of Slack's published manifest rules (version 1), for the fields
this app uses: their types, lengths and formats. Every object refuses keys Slack does not know, as Slack does; keys
Slack knows but this app does not use pass unchecked. A few rules are stricter than Slack's published schema,
because this app needs them: request and redirect URLs are https; commands, scopes and events have the shape of
their names (`/name`, `chat:write`, `message.channels`); nothing is listed twice.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

MANIFEST_FILE = Path(__file__).resolve().parents[1] / "data" / "manifest.yml"  # the root manifest.yml, linked
# What `outsource-review serve` routes (bot/slack/run.py, bot/slack/oauth.py use these).
EVENTS_PATH = "/slack/events"
OAUTH_REDIRECT_PATH = "/slack/oauth_redirect"

_COLOUR = re.compile(r"#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?")
# Slack's scope names: `commands`, `chat:write`, `chat:write.public`, `links.embed:write`, `incoming-webhook`...
_SCOPE = re.compile(r"[a-z][a-z_-]*(\.[a-z_]+)*(:[a-z_]+(\.[a-z_]+)*)?")
# Event names: `app_mention`, `message.channels`...
_EVENT = re.compile(r"[a-z_]+(\.[a-z_]+)*")
LINE, LONG_TEXT = 104, 200  # the printed YAML's line length; longer texts are folded over several lines
_HOST = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")


def _https(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.netloc:
        raise ValueError(f"{url!r} is not an https:// URL; this app is reached over HTTPS only")
    return url


def _colour(text: str) -> str:
    if not _COLOUR.fullmatch(text):
        raise ValueError(f"{text!r} is not a hex colour; write it as #1f4e79 (or #abc)")
    return text


def _command(text: str) -> str:
    if not text.startswith("/") or any(c.isspace() for c in text):
        raise ValueError(f"{text!r} is not a slash command; write it as /name, without spaces")
    return text


def _scope(text: str) -> str:
    if not _SCOPE.fullmatch(text):
        raise ValueError(f"{text!r} is not a scope name; scopes look like chat:write or commands")
    return text


def _event(text: str) -> str:
    if not _EVENT.fullmatch(text):
        raise ValueError(f"{text!r} is not an event name; events look like app_mention or message.channels")
    return text


def _distinct(items: list[Any]) -> list[Any]:
    twice = sorted({str(i) for i in items if items.count(i) > 1})
    if twice:
        raise ValueError(f"{twice[0]!r} is listed twice; list each once")
    return items


def _text(low: int, high: int) -> Any:
    return StringConstraints(min_length=low, max_length=high)


HttpsUrl = Annotated[str, StringConstraints(max_length=3000), AfterValidator(_https)]
Scope = Annotated[str, StringConstraints(max_length=50), AfterValidator(_scope)]
Scopes = Annotated[list[Scope], Field(max_length=255), AfterValidator(_distinct)]
Event = Annotated[str, StringConstraints(max_length=50), AfterValidator(_event)]
Events = Annotated[list[Event], Field(max_length=100), AfterValidator(_distinct)]
Unchecked = Any  # a key Slack knows and this app does not use: passed on as it is


class _Strict(BaseModel):
    """No type conversion (Slack takes `true`, not "yes" or 1) and no key Slack would refuse."""

    model_config = ConfigDict(extra="forbid", strict=True)


class Metadata(_Strict):
    major_version: Annotated[int, Field(ge=1, le=1)] = 1  # the rules here are those of version 1
    minor_version: int | None = None
    schema_version: int | None = None
    min_version: int | None = None


class DisplayInformation(_Strict):
    name: Annotated[str, _text(1, 35)]
    description: Annotated[str, _text(1, 140)] | None = None
    long_description: Annotated[str, _text(175, 4000)] | None = None
    background_color: Annotated[str, AfterValidator(_colour)] | None = None


class AppHome(_Strict):
    home_tab_enabled: bool | None = None
    messages_tab_enabled: bool | None = None
    messages_tab_read_only_enabled: bool | None = None


class BotUser(_Strict):
    display_name: Annotated[str, _text(1, 80)]
    always_online: bool | None = None


class SlashCommand(_Strict):
    command: Annotated[str, _text(2, 32), AfterValidator(_command)]
    description: Annotated[str, _text(1, 2000)]
    url: HttpsUrl | None = None
    usage_hint: Annotated[str, _text(1, 1000)] | None = None
    should_escape: bool | None = None


def _distinct_commands(commands: list[SlashCommand]) -> list[SlashCommand]:
    _distinct([c.command for c in commands])
    return commands


class Features(_Strict):
    app_home: AppHome | None = None
    bot_user: BotUser | None = None
    slash_commands: (
        Annotated[list[SlashCommand], Field(min_length=1, max_length=50), AfterValidator(_distinct_commands)]
        | None
    ) = None
    shortcuts: Unchecked = None
    workflow_steps: Unchecked = None
    unfurl_domains: Unchecked = None
    functions: Unchecked = None
    assistant_view: Unchecked = None
    agent_view: Unchecked = None


class OAuthScopes(_Strict):
    bot: Scopes | None = None
    user: Scopes | None = None
    bot_optional: Scopes | None = None
    user_optional: Scopes | None = None


class OAuthConfig(_Strict):
    redirect_urls: (
        Annotated[
            list[Annotated[str, StringConstraints(max_length=2500), AfterValidator(_https)]],
            Field(max_length=1000),
            AfterValidator(_distinct),
        ]
        | None
    ) = None
    scopes: OAuthScopes | None = None
    token_management_enabled: bool | None = None
    pkce_enabled: bool | None = None


class EventSubscriptions(_Strict):
    request_url: HttpsUrl | None = None
    bot_events: Events | None = None
    user_events: Events | None = None
    metadata_subscriptions: Unchecked = None


class Interactivity(_Strict):
    is_enabled: bool
    request_url: HttpsUrl | None = None
    message_menu_options_url: HttpsUrl | None = None


class ManifestSettings(_Strict):
    event_subscriptions: EventSubscriptions | None = None
    interactivity: Interactivity | None = None
    socket_mode_enabled: bool | None = None
    org_deploy_enabled: bool | None = None
    token_rotation_enabled: bool | None = None
    allowed_ip_address_ranges: Unchecked = None
    incoming_webhooks: Unchecked = None
    is_hosted: Unchecked = None
    siws_links: Unchecked = None
    hermes_app_type: Unchecked = None
    function_runtime: Unchecked = None
    is_mcp_enabled: Unchecked = None


class Manifest(_Strict):
    schema_url: str | None = Field(default=None, alias="$schema")
    metadata: Metadata | None = Field(default=None, alias="_metadata")
    display_information: DisplayInformation
    features: Features | None = None
    oauth_config: OAuthConfig | None = None
    settings: ManifestSettings | None = None
    app_directory: Unchecked = None
    functions: Unchecked = None
    workflows: Unchecked = None
    datastores: Unchecked = None
    outgoing_domains: Unchecked = None
    types: Unchecked = None
    external_auth_providers: Unchecked = None
    mcp_servers: Unchecked = None

    @model_validator(mode="after")
    def _urls_for_http(self) -> Manifest:
        """Without Socket Mode, Slack needs somewhere to send each command, event and interaction."""
        settings = self.settings or ManifestSettings()
        if settings.socket_mode_enabled:
            return self
        why = "is required when socket_mode_enabled is false; add it, or turn Socket Mode on"
        for i, command in enumerate((self.features and self.features.slash_commands) or [], start=1):
            if command.url is None:
                raise ValueError(f"features › slash_commands › item {i} › url: {why}")
        events = settings.event_subscriptions
        if events and (events.bot_events or events.user_events) and events.request_url is None:
            raise ValueError(f"settings › event_subscriptions › request_url: {why}")
        interactivity = settings.interactivity
        if interactivity and interactivity.is_enabled and interactivity.request_url is None:
            raise ValueError(f"settings › interactivity › request_url: {why}")
        return self


class ManifestError(ValueError):
    """A manifest Slack would refuse: `problems` has one line per field, naming it."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


def check(data: Any) -> Manifest:
    """The manifest as parsed from YAML, checked; ManifestError says what is wrong, field by field."""
    try:
        return Manifest.model_validate(data)
    except ValidationError as exc:
        raise ManifestError([_problem(e) for e in exc.errors()]) from None


def _problem(error: Any) -> str:
    place = " › ".join(f"item {p + 1}" if isinstance(p, int) else str(p) for p in error["loc"])
    kind = error["type"]
    if kind == "extra_forbidden":
        message = "Slack does not know this key; remove it (check its spelling and indentation)"
    elif kind == "missing":
        message = "is required"
    else:
        message = str(error["msg"]).removeprefix("Value error, ")
    return f"{place}: {message}" if place else message


# ---------------------------------------------------------------- the variants `outsource-review manifest` prints


def read_manifest(path: Path = MANIFEST_FILE) -> tuple[str, dict[str, Any]]:
    """manifest.yml's parsed content, and the first paragraph of its leading comment (what holds for every
    variant: how to create the app)."""
    text = path.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise ManifestError(["expected a mapping at the top"])
    intro = []
    for line in text.splitlines():
        if not line.startswith("#") or not line.strip("# "):
            break
        intro.append(line)
    return "\n".join(intro), data


def variant(base: str | None, path: Path = MANIFEST_FILE) -> str:
    """manifest.yml as YAML for `outsource-review serve` at `base` (from `https_base`), or for Socket Mode
    when `base` is None; checked. OSError or ManifestError when manifest.yml cannot be used."""
    intro, data = read_manifest(path)
    if base is None:
        made = for_socket(data)
        how = (
            "# Made by `outsource-review manifest --socket` for `outsource-review socket` (Socket Mode): Slack\n"
            "# needs no public URL."
        )
    else:
        made = for_http(data, base)
        how = (
            f"# Made by `outsource-review manifest --url {base}` for `outsource-review serve` at that address:\n"
            f"# commands, interactions and events go to {base}{EVENTS_PATH}, OAuth installs return to\n"
            f"# {base}{OAUTH_REDIRECT_PATH}."
        )
    check(made)
    return dump(made, f"{intro}\n#\n{how}" if intro else how)


def https_base(url: str) -> str:
    """`https://host[:port][/prefix]` without a trailing slash; ValueError (one line) for anything else."""
    parts = urlsplit(url.strip())
    if parts.scheme != "https":
        raise ValueError(f"--url {url!r}: use an https:// address; Slack only sends requests over HTTPS")
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port == 0:
        raise ValueError(f"--url {url!r}: the port must be a number from 1 to 65535, as in https://host:8443")
    host = parts.hostname or ""
    if not _HOST.fullmatch(host) or parts.username or parts.query or parts.fragment or " " in parts.path:
        raise ValueError(
            f"--url {url!r}: not a valid web address; give the public address of `outsource-review serve`, "
            "as in https://bot.example.com"
        )
    return f"https://{parts.netloc}{parts.path.rstrip('/')}"


def _with_first(mapping: dict[str, Any], key: str, value: Any, after: str | None = None) -> dict[str, Any]:
    """`mapping` with `key` set, placed first (or right after `after`), the other keys in their order."""
    rest = [(k, v) for k, v in mapping.items() if k != key]
    at = next((i + 1 for i, (k, _) in enumerate(rest) if k == after), 0)
    return dict([*rest[:at], (key, value), *rest[at:]])


def for_http(data: dict[str, Any], base: str) -> dict[str, Any]:
    """The manifest for `outsource-review serve` at `base`: every request and redirect URL filled in."""
    out = copy.deepcopy(data)
    events_url = base + EVENTS_PATH
    features = out.get("features") or {}
    if features.get("slash_commands"):
        features["slash_commands"] = [
            _with_first(c, "url", events_url, after="command") for c in features["slash_commands"]
        ]
    out["oauth_config"] = _with_first(
        out.get("oauth_config") or {}, "redirect_urls", [base + OAUTH_REDIRECT_PATH]
    )
    settings = out.setdefault("settings", {})
    for key in ("event_subscriptions", "interactivity"):
        if key in settings:
            settings[key] = _with_first(settings[key] or {}, "request_url", events_url)
    settings["socket_mode_enabled"] = False
    return out


def for_socket(data: dict[str, Any]) -> dict[str, Any]:
    """The manifest for `outsource-review socket`: no URLs at all, Slack sends everything over the WebSocket."""
    out = copy.deepcopy(data)
    for command in (out.get("features") or {}).get("slash_commands") or []:
        command.pop("url", None)
    (out.get("oauth_config") or {}).pop("redirect_urls", None)
    settings = out.setdefault("settings", {})
    for key in ("event_subscriptions", "interactivity"):
        for url in ("request_url", "message_menu_options_url"):
            (settings.get(key) or {}).pop(url, None)
    settings["socket_mode_enabled"] = True
    return out


class _Dumper(yaml.SafeDumper):
    """Written the way manifest.yml is: list items indented under their key, long texts as folded blocks."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = ">" if len(value) > LONG_TEXT and "\n" not in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def dump(data: dict[str, Any], comment: str) -> str:
    text = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=LINE)
    return f"{comment}\n{text}" if comment else text
