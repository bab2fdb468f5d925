"""Where the reviews live: the user's data folder by default, found from any working directory; DATABASE_URL
overrides it; `where` and `list` name the database; `--version`; `demo` run again shows the saved demo.

Each test gives the program a data folder of its own (XDG_DATA_HOME, which platformdirs reads on Linux).
"""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.cli import CONTRACT_EXAMPLE, Cli
from tests.support.postgres import postgres_available, postgres_url  # noqa: F401  (fixtures)

pytestmark = pytest.mark.slow

DEMO_TITLE = "Demo: Northwind Tea online shop, marketing review"


def in_folder(folder: Path, data_home: Path) -> Cli:
    """The command run in `folder`, with no DATABASE_URL and `data_home` as the user's data folder."""
    folder.mkdir(parents=True, exist_ok=True)
    cli = Cli(folder)
    del cli.env["DATABASE_URL"]
    cli.env["XDG_DATA_HOME"] = str(data_home)
    return cli


def default_file(data_home: Path) -> Path:
    return data_home / "outsource-review" / "reviews.db"


def review_lines(listing: str) -> list[str]:
    return [line for line in listing.splitlines()[1:] if line.strip()]


def test_list_in_another_folder_finds_a_review_saved_elsewhere(tmp_path: Path) -> None:
    data_home = tmp_path / "data"
    here, there = in_folder(tmp_path / "here", data_home), in_folder(tmp_path / "there", data_home)

    saved = here.ok("review", "--answers", CONTRACT_EXAMPLE, "--format", "json")
    review_id = re.search(r"Saved as review ([0-9a-f]{32})", saved.err)
    assert review_id

    listing = there.ok("list")
    assert review_id.group(1)[:8] in listing.out and "Q3 marketing review" in listing.out
    assert listing.err.splitlines() == [f"Reviews in {default_file(data_home)}"]
    assert default_file(data_home).exists()
    assert not list(here.folder.glob("*.db")) and not list(there.folder.glob("*.db"))


def test_where_names_the_file_and_whether_it_exists(tmp_path: Path) -> None:
    cli = in_folder(tmp_path / "work", tmp_path / "data")
    path = default_file(tmp_path / "data")

    before = cli.ok("where").out.splitlines()
    assert before[0] == f"Database: sqlite:///{path}"
    assert before[1] == f"File: {path} (not created yet; the first saved review creates it)"
    assert before[2].startswith("Chosen by: the default, your data folder")
    assert not path.parent.exists()  # `where` only looks

    cli.ok("demo")
    assert cli.ok("where").out.splitlines()[1] == f"File: {path} (exists)"


def test_database_url_overrides_the_data_folder(tmp_path: Path) -> None:
    cli = in_folder(tmp_path / "work", tmp_path / "data")
    chosen = tmp_path / "elsewhere" / "team.db"
    chosen.parent.mkdir()
    cli.env["DATABASE_URL"] = f"sqlite:///{chosen}"

    cli.ok("demo")
    assert chosen.exists()
    assert not (tmp_path / "data").exists()
    where = cli.ok("where").out.splitlines()
    assert where[1] == f"File: {chosen} (exists)"
    assert where[2] == "Chosen by: DATABASE_URL (from the environment or .env)"
    assert cli.ok("list").err.splitlines() == [f"Reviews in {chosen}"]


def test_where_hides_a_postgresql_password(tmp_path: Path) -> None:
    cli = in_folder(tmp_path / "work", tmp_path / "data")
    cli.env["DATABASE_URL"] = "postgresql://app:s3cret@db.example:5432/outsource"
    where = cli.ok("where").out
    assert where.splitlines()[0] == "Database: postgresql+psycopg://app:***@db.example:5432/outsource"
    assert "s3cret" not in where and "File:" not in where


def test_version(tmp_path: Path) -> None:
    shown = in_folder(tmp_path / "work", tmp_path / "data").ok("--version").out
    assert shown.strip() == f"outsource-review {importlib.metadata.version('outsource-review')}"


def test_demo_again_shows_the_saved_demo_instead_of_a_copy(tmp_path: Path) -> None:
    cli = in_folder(tmp_path / "work", tmp_path / "data")
    first = cli.ok("demo")
    saved = re.search(r"Saved as review ([0-9a-f]{32})", first.err)
    assert saved

    again = cli.ok("demo")
    assert again.out == first.out
    assert again.err.splitlines()[0].startswith(
        f"Showing the demo review saved earlier (id {saved.group(1)})"
    )
    assert len(review_lines(cli.ok("list").out)) == 1

    fresh = cli.ok("demo", "--new")
    assert "Saved as review" in fresh.err
    titles = [line for line in review_lines(cli.ok("list").out) if DEMO_TITLE in line]
    assert len(titles) == 2


def test_demo_again_skips_reruns_and_looks_in_its_own_database(tmp_path: Path) -> None:
    cli = in_folder(tmp_path / "work", tmp_path / "data")
    first = re.search(r"Saved as review ([0-9a-f]{32})", cli.ok("demo").err)
    assert first
    cli.ok("rerun", first.group(1))  # a second version holds the same answers, under another title
    again = cli.ok("demo")
    assert f"(id {first.group(1)})" in again.err  # still the first one, not the re-run

    cli.env["XDG_DATA_HOME"] = str(tmp_path / "other-data")
    assert "Saved as review" in cli.ok("demo").err  # another database: no demo there yet


def test_postgresql_without_its_extra_is_one_line_and_exit_2(tmp_path: Path) -> None:
    """As if psycopg were not installed (`sys.modules[name] = None` is how Python marks a missing module)."""
    program = (
        "import sys; sys.modules['psycopg'] = None; from bot.cli import main; sys.exit(main(sys.argv[1:]))"
    )
    cli = in_folder(tmp_path / "work", tmp_path / "data")
    cli.env["DATABASE_URL"] = "postgresql://app@127.0.0.1:5432/outsource"
    done = subprocess.run(
        [sys.executable, "-c", program, "list"],
        cwd=cli.folder,
        env=cli.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines() == [
        "DATABASE_URL is a PostgreSQL database, and PostgreSQL support is not installed; "
        "install it with: pip install 'outsource-review[postgres]'"
    ]


@pytest.mark.postgres
def test_a_plain_postgresql_url_works_through_psycopg_3(tmp_path: Path, postgres_url: str) -> None:  # noqa: F811
    cli = in_folder(tmp_path / "work", tmp_path / "data")
    cli.env["DATABASE_URL"] = postgres_url  # postgresql://... as a user writes it
    cli.ok("demo")
    listing = cli.ok("list")
    assert DEMO_TITLE in listing.out
    assert listing.err.startswith("Reviews in postgresql+psycopg://")
    assert not (tmp_path / "data").exists()
