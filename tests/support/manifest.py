"""manifest.yml as the tests read it: `load_manifest()` is the one way, and the parts the code is compared with."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
MANIFEST_PATH = REPO_ROOT / "manifest.yml"


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
