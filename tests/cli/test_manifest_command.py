"""`outsource-review manifest --url URL` / `--socket`: manifest.yml ready to paste for HTTP or Socket Mode, run as
the real command; both pass Slack's rules (bot/slack/manifest.py)."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from bot.slack.manifest import check
from tests.support.cli import Cli
from tests.support.manifest import load_manifest

pytestmark = pytest.mark.slow

EVENTS = "https://bot.example.com/slack/events"


def printed(result_out: str) -> dict[str, Any]:
    data = yaml.safe_load(result_out)
    assert isinstance(data, dict)
    check(data)  # a ManifestError names the field Slack would refuse
    return data


def without_urls(manifest: dict[str, Any]) -> dict[str, Any]:
    """The manifest with every URL and the mode switch taken out: what both variants share with manifest.yml."""
    manifest = yaml.safe_load(yaml.safe_dump(manifest))
    for command in manifest["features"]["slash_commands"]:
        command.pop("url", None)
    manifest.get("oauth_config", {}).pop("redirect_urls", None)
    for key in ("event_subscriptions", "interactivity"):
        manifest["settings"][key].pop("request_url", None)
    manifest["settings"].pop("socket_mode_enabled")
    return manifest


def test_url_fills_in_every_request_and_redirect_url(cli: Cli) -> None:
    result = cli.ok("manifest", "--url", "https://bot.example.com/")
    manifest = printed(result.out)
    assert [c["url"] for c in manifest["features"]["slash_commands"]] == [EVENTS]
    assert manifest["settings"]["event_subscriptions"]["request_url"] == EVENTS
    assert manifest["settings"]["interactivity"]["request_url"] == EVENTS
    assert manifest["oauth_config"]["redirect_urls"] == ["https://bot.example.com/slack/oauth_redirect"]
    assert manifest["settings"]["socket_mode_enabled"] is False
    assert without_urls(manifest) == without_urls(load_manifest())  # everything else as in manifest.yml
    assert result.out.startswith("# The Slack app for Outsource Review.")  # its comment kept
    assert "# Made by `outsource-review manifest --url https://bot.example.com`" in result.out
    assert result.err == ""


def test_a_port_and_a_path_are_kept(cli: Cli) -> None:
    manifest = printed(cli.ok("manifest", "--url", "https://Bot.Example.com:8443/review").out)
    assert manifest["settings"]["event_subscriptions"]["request_url"] == (
        "https://Bot.Example.com:8443/review/slack/events"
    )


def test_socket_has_no_request_url_and_socket_mode_on(cli: Cli) -> None:
    result = cli.ok("manifest", "--socket")
    manifest = printed(result.out)
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert "url" not in manifest["features"]["slash_commands"][0]
    assert "request_url" not in manifest["settings"]["event_subscriptions"]
    assert "request_url" not in manifest["settings"]["interactivity"]
    assert "redirect_urls" not in manifest["oauth_config"]
    assert "https://" not in result.out.split("\n_metadata:")[1]  # no URL anywhere below the comment
    assert without_urls(manifest) == without_urls(load_manifest())


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://bot.example.com", "use an https:// address"),
        ("https://bot example.com", "not a valid web address"),
    ],
)
def test_a_url_that_is_not_https_is_bad_input(cli: Cli, url: str, says: str) -> None:
    result = cli("manifest", "--url", url)
    assert result.code == 2
    assert result.out == ""
    assert result.err_lines == [result.err_lines[0]]
    assert result.err_lines[0].startswith(f"--url {url!r}: {says}")


def test_one_of_url_or_socket_is_needed(cli: Cli) -> None:
    result = cli("manifest")
    assert result.code == 2
    assert "one of the arguments --url --socket is required" in result.err
