"""deploy/Dockerfile and deploy/compose.yaml cannot be built here (no Docker engine): what can be checked without
one is checked against the code: the commands are real subcommands, the health check asks a route `serve`
answers on the port it listens on, every variable given to the bot is a setting, and the extra exists."""

from __future__ import annotations

import json
import re
import shlex
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from slack_bolt import App

from bot.cli import build_parser
from bot.config import Settings
from bot.slack.run import build_wsgi

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
PROGRAM = "outsource-review"


def dockerfile() -> dict[str, list[str]]:
    """Each instruction (upper-case) to the arguments of each of its lines, continuation lines joined."""
    text = re.sub(r"\\\n\s*", " ", (DEPLOY / "Dockerfile").read_text())
    found: dict[str, list[str]] = {}
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            instruction, _, rest = line.strip().partition(" ")
            found.setdefault(instruction.upper(), []).append(rest.strip())
    return found


def exec_form(argument: str) -> list[str]:
    words = json.loads(argument) if argument.startswith("[") else shlex.split(argument)
    assert isinstance(words, list)
    return [str(w) for w in words]


def env_of(arguments: list[str]) -> dict[str, str]:
    pairs = [pair.split("=", 1) for argument in arguments for pair in shlex.split(argument)]
    return {name: value for name, value in pairs}


def compose() -> dict[str, Any]:
    data = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    assert isinstance(data, dict)
    return data


def our_services() -> dict[str, dict[str, Any]]:
    """The services that run our image."""
    services: dict[str, dict[str, Any]] = compose()["services"]
    return {name: s for name, s in services.items() if s.get("image") == PROGRAM}


def settings_names() -> set[str]:
    return {name.upper() for name in Settings.model_fields}


def assert_subcommand(words: list[str]) -> None:
    assert words[0] == PROGRAM, words
    try:
        build_parser().parse_args(words[1:])
    except SystemExit:
        pytest.fail(f"{shlex.join(words)} is not a command of {PROGRAM}")


def test_the_image_runs_serve_and_every_command_is_a_real_subcommand() -> None:
    (cmd,) = dockerfile()["CMD"]
    assert exec_form(cmd) == [PROGRAM, "serve"]
    commands = {name: s["command"] for name, s in our_services().items()}
    assert commands == {"migrate": [PROGRAM, "db", "upgrade"], "bot": [PROGRAM, "serve"]}
    for words in [exec_form(cmd), *commands.values()]:
        assert_subcommand(words)


def test_the_health_check_asks_a_route_serve_answers_on_the_port_it_listens_on() -> None:
    instructions = dockerfile()
    (check,) = instructions["HEALTHCHECK"]
    probe = exec_form(check.split(" CMD ", 1)[1])
    assert probe[0] == "python"  # slim images have no curl
    script = probe[-1]
    url = re.search(r"'(http://127\.0\.0\.1:)' \+ os\.environ\.get\('PORT', '(\d+)'\) \+ '(/\w+)'", script)
    assert url, script
    default_port, path = int(url.group(2)), url.group(3)

    env = env_of(instructions["ENV"])
    assert env["HOST"] == "0.0.0.0"
    assert int(env["PORT"]) == default_port == Settings.model_fields["port"].default
    assert [int(p) for p in instructions["EXPOSE"]] == [default_port]

    app = App(signing_secret="secret", token="xoxb-test", token_verification_enabled=False)
    statuses: list[str] = []
    body = build_wsgi(app)({"PATH_INFO": path, "REQUEST_METHOD": "GET"}, lambda s, h: statuses.append(s))
    assert statuses == ["200 OK"] and json.loads(b"".join(body)) == {"ok": True}


def test_every_variable_given_to_the_bot_is_a_setting() -> None:
    known = settings_names()
    image_env = set(env_of(dockerfile()["ENV"]))
    assert {name for name in image_env if not name.startswith(("PYTHON", "PIP_"))} <= known
    for name, service in our_services().items():
        assert set(service.get("environment", {})) <= known, name
        assert service["env_file"] == [".env"]
    interpolated = set(re.findall(r"\$\{(\w+)", (DEPLOY / "compose.yaml").read_text()))
    example = {
        line.lstrip("# ").split("=", 1)[0]
        for line in (DEPLOY / "env.example").read_text().splitlines()
        if re.match(r"^#? ?[A-Z_]+=", line)
    }
    assert example - interpolated <= known
    assert interpolated == {"POSTGRES_PASSWORD"}


def test_compose_runs_two_bots_after_the_migration_on_a_healthy_postgres() -> None:
    services = compose()["services"]
    db = services["db"]
    assert db["image"].startswith("postgres:") and "healthcheck" in db
    volume = db["volumes"][0].split(":")[0]
    assert volume in compose()["volumes"]
    assert services["migrate"]["depends_on"] == {"db": {"condition": "service_healthy"}}
    bot = services["bot"]
    assert bot["deploy"]["replicas"] == 2
    assert bot["depends_on"] == {"migrate": {"condition": "service_completed_successfully"}}
    assert "@db:5432/" in bot["environment"]["DATABASE_URL"]
    assert services["proxy"]["depends_on"] == {"bot": {"condition": "service_healthy"}}
    assert "server bot:3000;" in (DEPLOY / "nginx.conf").read_text()


def test_the_extra_the_image_installs_exists() -> None:
    (install,) = [line for line in dockerfile()["RUN"] if "pip install" in line]
    extras = re.findall(r"'\.\[([\w,-]+)\]'", install)
    assert extras == ["postgres"]
    optional = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert any(dep.startswith("psycopg") for dep in optional["postgres"])
