"""The project's habits hold: the pre-commit hooks run what CI runs, and the packages ship their type marker."""

from __future__ import annotations

import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _ci_commands() -> set[str]:
    lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    return {line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")}


def test_every_pre_commit_hook_is_a_check_ci_runs() -> None:
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    hooks = [hook for repo in config["repos"] for hook in repo["hooks"]]
    assert {hook["id"] for hook in hooks} == {"ruff", "ruff-format", "mypy"}
    ci = _ci_commands()
    for hook in hooks:
        command = hook["entry"].replace(" --force-exclude", "")
        assert any(line.startswith(command) for line in ci), f"{hook['id']}: CI does not run {command!r}"


def test_each_package_ships_py_typed() -> None:
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"][
        "package-data"
    ]
    for package in ("bot", "flows", "storage"):
        assert (ROOT / package / "py.typed").is_file()
        assert "py.typed" in package_data[package]


def test_the_pure_and_storage_layers_are_fully_typed() -> None:
    mypy = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mypy"]
    strict = [o for o in mypy.get("overrides", []) if o.get("disallow_untyped_defs")]
    assert strict and set(strict[0]["module"]) >= {"flows.*", "storage.*"}
