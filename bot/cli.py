"""`outsource-review`: the command line (the README, "The command line").

Exit status: 0 success; 2 bad input, with one line on stderr naming the file, the place and the fix (also a
DATABASE_URL whose driver is not installed); 1 anything else, with one line (and the traceback when
LOG_LEVEL=DEBUG).
"""

from __future__ import annotations

import argparse
import getpass
import importlib
import logging
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC
from importlib import resources
from pathlib import Path
from types import ModuleType

from pydantic import ValidationError

from bot import wiring
from bot.checkin_terminal import ask_values, plain, result_lines
from bot.config import MissingSetting, Settings, SlackSettingsError, SlackUnreachable
from bot.slack import manifest
from bot.terminal import chat, finish_chat, save_answers, std_console
from flows.method import Stage
from flows.model import Review, ReviewInput, utcnow
from flows.prompts import ReplyError, WeightsAnswer, parse_weights
from flows.render import RENDERERS
from flows.report import Report
from flows.service import (
    AnswersError,
    CheckinError,
    Permission,
    ReviewService,
    check_answers,
    checkable,
    compare,
    load_answers,
    parse_period,
    previous_version_id,
    render_comparison,
    report_of,
    version_of,
)
from storage.db import MissingDriver, database_url, make_engine, require_driver
from storage.migrate import current_revision, upgrade

FORMATS = tuple(RENDERERS)
PREVIOUS = "previous"
WEIGHTS_HELP = (
    'factor weights, as "risk 2 benefits 1.5" (the others stay 1) or "rank benefits risk ..." (most important '
    "first; rank-order centroid weights)"
)
SHORT_ID = 8
DEMO_SOURCE = "demo.yml"
DEMO_TITLE = "Demo review"  # used only if demo.yml had no title


class BadInput(Exception):
    """Exit status 2: `str()` is one line naming the file or argument, the place and the fix."""


class Failure(Exception):
    """Exit status 1 with a plain one-line message."""


# ---------------------------------------------------------------- database


@contextmanager
def open_service(settings: Settings) -> Iterator[ReviewService]:
    """The review service on the configured database (migrated), closed again afterwards."""
    store = wiring.open_store(settings.database_url)
    try:
        yield ReviewService(store)
    finally:
        store.engine.dispose()


def find_review(service: ReviewService, ref: str) -> Review:
    """A review by its id or a unique start of it."""
    ref = ref.strip()
    exact = service.store.get(ref) if ref else None
    if exact is not None:
        return exact
    matches = [r for r in service.list_reviews(limit=100_000) if ref and (r.id or "").startswith(ref)]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise BadInput(f"review {ref!r}: no saved review has that id; see `outsource-review list`")
    raise BadInput(f"review {ref!r}: {len(matches)} reviews start with that; type more of the id")


def short_ids(reviews: list[Review]) -> dict[str, str]:
    """The shortest start of each id (at least 8 characters) that no other listed review shares."""
    ids = [r.id or "" for r in reviews]
    shown = {}
    for rid in ids:
        n = SHORT_ID
        while n < len(rid) and any(o != rid and o.startswith(rid[:n]) for o in ids):
            n += 1
        shown[rid] = rid[:n]
    return shown


def database_file(settings: Settings) -> Path | None:
    """The SQLite file the commands use (absolute; it may not exist yet), or None: PostgreSQL or in memory."""
    url = database_url(settings.database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    if url.query.get("mode") == "memory":
        return None
    return Path(url.database).absolute()


def database_name(settings: Settings) -> str:
    """The database in a few words: the SQLite file's path, else the URL with any password hidden."""
    url = database_url(settings.database_url)
    path = database_file(settings)
    if path is not None:
        return str(path)
    if url.get_backend_name() == "sqlite":
        return "a SQLite database in memory (nothing is kept after the command)"
    return url.render_as_string(hide_password=True)


# ---------------------------------------------------------------- reports


def format_for(fmt: str | None, out: str | None) -> str:
    if fmt:
        return fmt
    suffix = Path(out).suffix.lower().lstrip(".") if out else ""
    return {"json": "json", "csv": "csv"}.get(suffix, "md")


def check_out(out: str | None) -> None:
    if out and not Path(out).parent.is_dir():
        raise BadInput(f"{out}: --out: the folder {str(Path(out).parent)!r} does not exist; create it first")


def emit(text: str, out: str | None) -> None:
    if not text.endswith("\n"):
        text += "\n"
    if out is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        Path(out).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise Failure(f"{out}: cannot write the report: {exc.strerror or exc}") from None
    note(f"Report written to {out}")


def note(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def render(report: Report, fmt: str) -> str:
    renderer: Callable[..., str] = RENDERERS[fmt]
    return renderer(report)


# ---------------------------------------------------------------- commands


def read_answers_file(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BadInput(f"{path}: the file does not exist; check the path") from None
    except IsADirectoryError:
        raise BadInput(f"{path}: this is a folder, not a file; give the path of an answers file") from None
    except UnicodeDecodeError as exc:
        raise BadInput(
            f"{path}: byte {exc.start + 1} is not UTF-8 text; save the file as UTF-8 (YAML or JSON)"
        ) from None
    except OSError as exc:
        raise BadInput(
            f"{path}: cannot read the file ({exc.strerror or exc}); check its permissions"
        ) from None


def weights_option(value: str | None) -> WeightsAnswer | None:
    """`--weights "risk 2 benefits 1.5"` or `--weights "rank benefits risk ..."`; BadInput (exit 2) if it
    does not parse."""
    if value is None:
        return None
    try:
        return parse_weights(value)
    except ReplyError as exc:
        raise BadInput(f"--weights {value!r}: {str(exc).replace('`', '')}") from None


def save_file_review(
    settings: Settings, text: str, source: str, title: str, weights: WeightsAnswer | None = None
) -> tuple[Review, Report]:
    """Save the review an answers file describes; it and its full report (with the ledger)."""
    data = load_answers(text, source)  # AnswersError: nothing touched yet
    if weights is not None:  # --weights replaces the file's weights
        data.weights, data.weights_source = dict(weights.weights), weights.source
        data.directions = {**data.directions, **weights.directions}
    with open_service(settings) as service:
        review = save_answers(service, data, source, local_user(), title)
        return review, service.full_report(review)


def cmd_review(args: argparse.Namespace, settings: Settings) -> int:
    check_out(args.out)
    weights = weights_option(args.weights)
    text = read_answers_file(args.answers)
    review, report = save_file_review(settings, text, args.answers, Path(args.answers).stem, weights)
    emit(render(report, format_for(args.format, args.out)), args.out)
    note(f"Saved as review {review.id}. Show it again with: outsource-review export {review.id}")
    return 0


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    """The bundled sample review: the one saved earlier when there is one (so running `demo` again adds no
    copies), else saved now; `--new` always saves a fresh copy."""
    text = resources.files("bot").joinpath("data", DEMO_SOURCE).read_text(encoding="utf-8")
    data = load_answers(text, DEMO_SOURCE)
    me = local_user()
    with open_service(settings) as service:
        saved = None if args.new else saved_demo(service, data, me)
        review = saved or save_answers(service, data, DEMO_SOURCE, me, DEMO_TITLE)
        report = service.full_report(review)
    emit(render(report, "md"), None)
    if saved is not None:
        note(
            f"Showing the demo review saved earlier (id {review.id}); save a fresh copy with: outsource-review demo --new"
        )
    else:
        note(f"Saved as review {review.id}. See your reviews with: outsource-review list")
    note(f"Draw its priority chart with: outsource-review export {review.id} --format png")
    return 0


def saved_demo(service: ReviewService, data: ReviewInput, me: str) -> Review | None:
    """The newest saved review that is the demo as bundled: a finished terminal review with the demo's title
    and exactly the answers the demo file gives (a changed or re-run copy is not the demo any more)."""
    expected = check_answers(data, DEMO_SOURCE, me, DEMO_TITLE)
    for review in service.list_reviews(team_id="local", limit=100_000):
        if (
            review.title == expected.title
            and review.state is Stage.DONE
            and review.answers == expected.answers
        ):
            return review
    return None


def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    weights_option(args.weights)  # a bad value stops before anything starts
    console = std_console()
    with open_service(settings) as service:
        if args.resume:
            review = find_review(service, args.resume)
            me = args.name or review.facilitator
            if review.state is Stage.CANCELLED:
                raise Failure(
                    f"review {review.id} was cancelled; start a new one with: outsource-review chat"
                )
        else:
            me = args.name or local_user()
            raters = [r for r in dict.fromkeys(x.strip() for x in (args.raters or "").split(",")) if r]
            review = service.start(title=args.title or "", facilitator=me, raters=raters or [me]).review
            console.write(f"New review {review.id}. Type help at any question; Ctrl-D saves and stops.")
        try:
            review = chat(service, review, me, console, weights=args.weights)
        except KeyboardInterrupt:
            console.write("")
            review = service.load(review.id or "")
        finish_chat(review, console)
    return 0


def cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    with open_service(settings) as service:
        reviews = service.list_reviews(limit=args.limit)
    note(f"Reviews in {database_name(settings)}")
    if not reviews:
        print("No saved reviews yet. Try: outsource-review demo")
        return 0
    ids = short_ids(reviews)
    width = max(len(s) for s in ids.values())
    print(f"{'ID':<{width}}  {'UPDATED':<16}  {'PROGRESS':<30}  TITLE")
    for r in reviews:
        updated = r.updated_at.replace(tzinfo=r.updated_at.tzinfo or UTC).astimezone()
        print(
            f"{ids[r.id or '']:<{width}}  {updated:%Y-%m-%d %H:%M}  "
            f"{service.progress(r).headline:<30}  {r.title or '(untitled)'}"
        )
    return 0


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    check_out(args.out)
    with open_service(settings) as service:
        review = find_review(service, args.review)
        if not service.has_report(review):
            raise Failure(
                f"review {review.id} has no report yet ({service.progress(review).headline}); "
                f"finish it with: outsource-review chat --resume {review.id}"
            )
        if args.diff is not None:
            emit(difference(service, review, args.diff), args.out)
            return 0
        report = service.full_report(review)  # with the ledger: who decided what, when and why
    png = args.format == "png" or (args.format is None and Path(args.out or "").suffix.lower() == ".png")
    if png:
        write_chart(review, args.out or f"review-{review.id}.png")
    else:
        emit(render(report, format_for(args.format, args.out)), args.out)
    return 0


def difference(service: ReviewService, review: Review, other: str) -> str:
    """What changed from `other` (a review id, or "previous": the version this one was re-run from)."""
    if other == PREVIOUS:
        older_id = previous_version_id(review)
        if older_id is None:
            raise BadInput(
                f"export {review.id} --diff: this is a first version; name the review to compare with"
            )
        older = service.load(older_id)
    else:
        older = find_review(service, other)
    if not service.has_report(older):
        raise Failure(f"review {older.id} has no report yet ({service.progress(older).headline})")
    lines = compare(service.report(older), service.report(review))
    return render_comparison(older.title, review.title, lines)


def cmd_rerun(args: argparse.Namespace, settings: Settings) -> int:
    with open_service(settings) as service:
        review = find_review(service, args.review)
        turn = service.rerun(review.id or "", local_user(), permission=Permission.ADMIN)
        if turn.error:
            raise Failure(f"review {review.id}: {turn.error}")
    new_id = turn.review.id
    note(f"Saved version {version_of(turn.review)} as review {new_id}, with every answer of {review.id}.")
    note(
        f"Change what changed with: outsource-review chat --resume {new_id} "
        "(`change N`, `reconsider NAME`, `weights ...`, then `done`); "
        f"then: outsource-review export {new_id} --diff"
    )
    return 0


def write_chart(review: Review, out: str) -> None:
    """The priority chart as a PNG file (never to stdout: it is binary)."""
    from bot.charts import priority_chart  # matplotlib loads only when a chart is drawn

    data = priority_chart(report_of(review))
    try:
        Path(out).write_bytes(data)
    except OSError as exc:
        raise Failure(f"{out}: cannot write the chart: {exc.strerror or exc}") from None
    note(f"Chart written to {out}")


def cmd_checkin(args: argparse.Namespace, settings: Settings) -> int:
    given = [args.process, args.metric, args.value]
    if any(v is not None for v in given) and (args.metric is None or args.value is None):
        raise BadInput(
            "checkin: give --metric and --value together (and --process when tasks share a metric)"
        )
    with open_service(settings) as service:
        review = find_review(service, args.review)
        try:
            tracked = checkable(review)
            period = parse_period(args.period, utcnow().date())
            if args.value is not None:
                entries = [(args.process, args.metric, args.value)]
            else:
                entries = ask_values(review, tracked, period, std_console(), sys.stdin.isatty())
            if not entries:
                print("Nothing recorded.")
                return 0
            result = service.checkin_many(review.id or "", args.name or local_user(), entries, period=period)
        except CheckinError as exc:
            raise BadInput(f"checkin {args.review}: {plain(str(exc))}") from None
    print("\n".join(result_lines(result)))
    return 0


def cmd_where(args: argparse.Namespace, settings: Settings) -> int:
    """Which database the commands use, without opening it."""
    url = database_url(settings.database_url)
    print(f"Database: {url.render_as_string(hide_password=True)}")
    path = database_file(settings)
    if path is not None:
        state = "exists" if path.exists() else "not created yet; the first saved review creates it"
        print(f"File: {path} ({state})")
    elif url.get_backend_name() == "sqlite":
        print("File: none (in memory: nothing is kept after the command)")
    if settings.database_url:
        print("Chosen by: DATABASE_URL (from the environment or .env)")
    else:
        print("Chosen by: the default, your data folder (set DATABASE_URL to use another database)")
    try:
        require_driver(url)
    except MissingDriver as exc:
        print(f"Note: {exc}")
    return 0


def cmd_db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
        revision = current_revision(engine)
    finally:
        engine.dispose()
    print(f"The database is up to date (revision {revision}).")
    return 0


def slack_run() -> ModuleType:
    try:
        return importlib.import_module("bot.slack.run")
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith("bot.slack"):
            raise Failure(
                "the Slack app is not part of this build yet (bot/slack/run.py is missing)"
            ) from None
        raise


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    settings.check_slack("http")
    run = slack_run()
    with open_service(settings):
        pass  # the schema is ready before the first request
    run.serve(settings, args.port or settings.port)
    return 0


def cmd_socket(args: argparse.Namespace, settings: Settings) -> int:
    settings.check_slack("socket")
    run = slack_run()
    with open_service(settings):
        pass
    run.socket(settings)
    return 0


def cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    importlib.import_module("bot.slack.worker").work(settings)
    return 0


def cmd_manifest(args: argparse.Namespace, settings: Settings) -> int:
    try:
        base = None if args.socket else manifest.https_base(args.url)
    except ValueError as exc:
        raise BadInput(str(exc)) from None
    try:
        emit(manifest.variant(base), None)
    except OSError as exc:
        raise Failure(f"{manifest.MANIFEST_FILE}: cannot read it ({exc.strerror or exc})") from None
    except manifest.ManifestError as exc:
        raise Failure(f"{manifest.MANIFEST_FILE.name}: {exc.problems[0]}") from None
    return 0


def local_user() -> str:
    try:
        return getpass.getuser() or "you"
    except Exception:
        return "you"


# ---------------------------------------------------------------- arguments and main


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="outsource-review",
        description="Decide, with reasons, which internet-marketing work to outsource first.",
    )
    parser.add_argument("--version", action=ShowVersion, help="show the installed version and exit")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("demo", help="print the report of the bundled sample review (saved the first time)")
    p.add_argument("--new", action="store_true", help="save a fresh copy even when one was saved earlier")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("chat", help="the interview in the terminal (piped stdin works too)")
    p.add_argument("--resume", metavar="REVIEW", help="continue a saved review (its id or the start of it)")
    p.add_argument("--title", help="the review's title (asked when left out)")
    p.add_argument("--raters", metavar="A,B", help="who rates in step 6, comma-separated (default: you)")
    p.add_argument("--name", metavar="ME", help="your name (default: your login name)")
    p.add_argument("--weights", metavar="WEIGHTS", help=WEIGHTS_HELP + "; answers the weights question")
    p.set_defaults(func=cmd_chat)

    p = sub.add_parser("review", help="a whole review from an answers file (YAML or JSON), saved")
    p.add_argument("--answers", required=True, metavar="FILE", help="the answers file")
    p.add_argument("--weights", metavar="WEIGHTS", help=WEIGHTS_HELP + "; replaces the file's weights")
    p.add_argument("--format", choices=FORMATS, help="report format (default: md, or from --out's suffix)")
    p.add_argument("--out", metavar="PATH", help="write the report to this file instead of printing it")
    p.set_defaults(func=cmd_review)

    p = sub.add_parser("list", help="saved reviews, newest first")
    p.add_argument("--limit", type=int, default=50, help="show at most this many (default 50)")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("export", help="one saved review's report, or its priority chart (--format png)")
    p.add_argument("review", metavar="REVIEW", help="the review's id or the start of it")
    p.add_argument(
        "--format",
        choices=(*FORMATS, "png"),
        help="report format (default: md, or from --out's suffix); png: the priority chart",
    )
    p.add_argument(
        "--out",
        metavar="PATH",
        help="write the report to this file instead of printing it (png: default review-<id>.png)",
    )
    p.add_argument(
        "--diff",
        nargs="?",
        const=PREVIOUS,
        metavar="OTHER",
        help="what changed since review OTHER (default: the version this one was re-run from)",
    )
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("rerun", help="a new version of a finished review, holding all its answers")
    p.add_argument("review", metavar="REVIEW", help="the review's id or the start of it")
    p.set_defaults(func=cmd_rerun)

    p = sub.add_parser("checkin", help="record this month's metric values of a review; shows early warnings")
    p.add_argument("review", metavar="REVIEW", help="the review's id or the start of it")
    p.add_argument(
        "--process", metavar="TASK", help="the shortlisted task (needed when tasks share a metric)"
    )
    p.add_argument("--metric", metavar="NAME", help="the metric; without it every metric is asked in turn")
    p.add_argument("--value", metavar="NUMBER", help="the metric's value for the period")
    p.add_argument("--period", metavar="YYYY-MM", help="the month the values are for (default: this month)")
    p.add_argument("--name", metavar="ME", help="who is checking in (default: your login name)")
    p.set_defaults(func=cmd_checkin)

    p = sub.add_parser("where", help="which database the reviews are kept in")
    p.set_defaults(func=cmd_where)

    p = sub.add_parser("db", help="database maintenance")
    db = p.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    up = db.add_parser("upgrade", help="apply schema migrations")
    up.set_defaults(func=cmd_db_upgrade)

    p = sub.add_parser("serve", help="the Slack app over HTTP")
    p.add_argument("--port", type=int, help="port to listen on (default: PORT, or 3000)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("socket", help="the Slack app over Socket Mode")
    p.set_defaults(func=cmd_socket)

    p = sub.add_parser("worker", help="only deliver the Slack app's messages (more of them: more throughput)")
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("manifest", help="the Slack app's manifest, to paste when creating the app")
    mode = p.add_mutually_exclusive_group(required=True)
    mode.add_argument("--url", metavar="URL", help="for `serve` at this https:// address (HTTP mode)")
    mode.add_argument("--socket", action="store_true", help="for `socket` (Socket Mode, no public URL)")
    p.set_defaults(func=cmd_manifest)
    return parser


class ShowVersion(argparse.Action):
    """`--version`. Unlike argparse's own, it looks the version up only when asked: the package metadata takes
    tens of milliseconds to read, which every other command would pay at start."""

    def __init__(self, option_strings: list[str], dest: str, help: str | None = None) -> None:
        super().__init__(option_strings, dest, nargs=0, help=help)

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        import importlib.metadata

        try:
            version = importlib.metadata.version("outsource-review")
        except importlib.metadata.PackageNotFoundError:  # a checkout that was never installed
            version = "(version unknown: not installed)"
        print(f"{parser.prog} {version}")
        parser.exit()


def setup_logging(settings: Settings) -> None:
    """Our own loggers at LOG_LEVEL; libraries (alembic, transitions) only say something at WARNING and up,
    unless LOG_LEVEL is DEBUG."""
    root_level = logging.DEBUG if settings.debug else logging.WARNING
    logging.basicConfig(level=root_level, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("bot").setLevel(settings.log_level_number)


def one_line(text: str) -> str:
    return " ".join(str(text).split())


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first.get("loc") else "a setting"
        raise Failure(f"{name}: {first['msg']} (check the environment or .env)") from None


def main(argv: list[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="replace")
    args = build_parser().parse_args(argv)
    debug = False
    try:
        settings = load_settings()
        debug = settings.debug
        setup_logging(settings)
        code: int = args.func(args, settings)
        return code
    except (AnswersError, BadInput, MissingDriver, SlackSettingsError) as exc:
        note(one_line(str(exc)))
        return 2
    except (Failure, MissingSetting, SlackUnreachable) as exc:
        note(one_line(str(exc)))
        return 1
    except KeyboardInterrupt:
        note("Stopped.")
        return 130
    except Exception as exc:
        if debug:
            traceback.print_exc()
        first = one_line(str(exc).splitlines()[0] if str(exc) else "")
        note(f"Error: {type(exc).__name__}: {first}" if first else f"Error: {type(exc).__name__}")
        return 1
