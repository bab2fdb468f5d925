"""The dependency direction bot -> storage -> flows: flows stays pure, storage knows nothing of bot or Slack."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FLOWS_FORBIDDEN = {"slack_bolt", "slack_sdk", "sqlmodel", "sqlalchemy", "alembic", "storage", "bot"}
STORAGE_FORBIDDEN = {"bot", "slack_bolt", "slack_sdk"}


def imported_modules(path: Path) -> set[str]:
    """Every absolute module a file imports, including `importlib.import_module("...")` and `__import__`."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in ("import_module", "__import__") and isinstance(node.args[0].value, str):
                found.add(node.args[0].value)
    return found


def offending(package: str, forbidden: set[str]) -> dict[str, list[str]]:
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, f"no Python files under {package}/"
    bad = {}
    for path in files:
        hits = sorted(m for m in imported_modules(path) if m.split(".")[0] in forbidden)
        if hits:
            bad[str(path.relative_to(ROOT))] = hits
    return bad


def test_flows_imports_neither_slack_nor_the_database_nor_bot_or_storage() -> None:
    assert offending("flows", FLOWS_FORBIDDEN) == {}


def test_storage_imports_neither_bot_nor_slack() -> None:
    assert offending("storage", STORAGE_FORBIDDEN) == {}


@pytest.mark.parametrize(
    ("source", "module"),
    [
        ("import sqlalchemy", "sqlalchemy"),
        ("from slack_sdk.web import WebClient", "slack_sdk.web"),
        ("import storage.repository as repo", "storage.repository"),
        ("from bot import cli", "bot"),
        ("import importlib\nimportlib.import_module('sqlmodel')", "sqlmodel"),
        ("def f():\n    from alembic import command", "alembic"),
        ("__import__('slack_bolt')", "slack_bolt"),
    ],
)
def test_the_check_sees_every_kind_of_import(tmp_path: Path, source: str, module: str) -> None:
    path = tmp_path / "sample.py"
    path.write_text(source, encoding="utf-8")
    assert module in imported_modules(path)


def test_relative_imports_stay_inside_the_package(tmp_path: Path) -> None:
    path = tmp_path / "sample.py"
    path.write_text("from . import storage\nfrom .bot import x\n", encoding="utf-8")
    assert imported_modules(path) == set()


PROBE = """
import importlib, json, pkgutil, sys
import flows
for info in pkgutil.walk_packages(flows.__path__, "flows."):
    importlib.import_module(info.name)
loaded = sorted(m for m in sys.modules if m.split(".")[0] in {forbidden})
print(json.dumps({{"loaded": loaded, "flows": sorted(m for m in sys.modules if m.startswith("flows"))}}))
"""


def test_importing_every_flows_module_loads_no_database_or_slack_code() -> None:
    probe = PROBE.format(forbidden=sorted(FLOWS_FORBIDDEN))
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, timeout=120, check=True
    )
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert "flows.interview" in found["flows"] and "flows.service" in found["flows"]
    assert found["loaded"] == []


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(packages: tuple[str, ...]) -> dict[str, set[str]]:
    """Module -> the project modules it imports (any import anywhere in the file, TYPE_CHECKING ones too)."""
    modules = {_module_name(p): p for package in packages for p in (ROOT / package).rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = set()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                targets.add(node.module)
                targets.update(f"{node.module}.{alias.name}" for alias in node.names)
            elif isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
        graph[name] = {t for t in targets if t in modules and t != name and not name.startswith(t + ".")}
    return graph


def circles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The groups of modules that import each other, directly or round about (Tarjan's strongly connected parts)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(group)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_circle_check_finds_a_circle() -> None:
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]
    assert circles({"a": {"b"}, "b": set()}) == []


@pytest.mark.parametrize("package", ["flows", "storage", "bot"])
def test_no_import_circles(package: str) -> None:
    assert circles(import_graph((package,))) == []


def test_listeners_take_the_workspace_from_the_context() -> None:
    """The workspace a request addresses is read in one place (`bot.slack.access.CompleteRequests` puts it on
    the context): no listener digs a team id out of its payload its own way."""
    found = {}
    for path in sorted((ROOT / "bot" / "slack" / "listeners").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        keys = [
            node.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and node.value in ("team", "team_id", "user_team")
        ]
        if keys:
            found[str(path.relative_to(ROOT))] = keys
    assert found == {}


# The interview engine and the decision behind the review service: transports go through `flows.service` (and
# read its view types: prompts, progress, reports) instead of driving the engine themselves.
ENGINE = (
    "flows.interview",
    "flows.keys",
    "flows.decision",
    "flows.sensitivity",
    "flows.similarity",
    "flows.ledger",
)


def engine_imports(package: str) -> dict[str, list[str]]:
    bad = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        hits = sorted(m for m in imported_modules(path) if m.startswith(ENGINE))
        if hits:
            bad[str(path.relative_to(ROOT))] = hits
    return bad


def test_transports_reach_the_engine_only_through_the_review_service() -> None:
    assert engine_imports("bot") == {}


def test_the_engine_check_sees_an_engine_import(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "bot").mkdir()
    (tmp_path / "bot" / "x.py").write_text(
        "from flows.interview import current_prompt\nimport flows.service\n"
    )
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert engine_imports("bot") == {"bot/x.py": ["flows.interview"]}


# What transports (bot/) may import from flows: the review service, the one door, and the view types it
# hands out or takes (a review and its stages, prompts, progress through the service, reports and their
# wording, people's names, outbox rows). Check-ins, answers files, replays and versions come through
# `flows.service` too (its re-exports), so a transport never depends on how flows is laid out inside.
BOT_MAY_IMPORT = frozenset(
    {
        "flows.service",
        "flows.model",
        "flows.method",
        "flows.prompts",
        "flows.report",
        "flows.render",
        "flows.advice",
        "flows.people",
        "flows.ports",
    }
)


def flows_imports_outside_the_door(package: str) -> dict[str, list[str]]:
    bad = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        hits = sorted(
            m for m in imported_modules(path) if m.split(".")[0] == "flows" and m not in BOT_MAY_IMPORT
        )
        if hits:
            bad[str(path.relative_to(ROOT))] = hits
    return bad


def test_transports_import_flows_only_through_the_service_and_its_view_types() -> None:
    assert flows_imports_outside_the_door("bot") == {}


def test_the_door_check_sees_a_forbidden_flows_import(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "bot").mkdir()
    (tmp_path / "bot" / "x.py").write_text(
        "import flows\nfrom flows.checkin import series\nfrom flows.service import ReviewService\n"
        "from flows.prompts import Prompt\nimport flows.versions\n"
    )
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert flows_imports_outside_the_door("bot") == {"bot/x.py": ["flows", "flows.checkin", "flows.versions"]}
