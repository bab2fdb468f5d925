"""Every `/outsource-review` subcommand, over HTTP against one bot process for the whole module."""

from __future__ import annotations

import csv
import io
import json

import pytest

from bot.slack.subcommands import split_command
from flows.method import Stage
from tests.support import payloads as p
from tests.support.conversation import (
    RATING,
    Conversation,
    Slack,
    ephemerals,
    failed,
    in_channel,
    last_question,
    new_channel,
    responses,
    review_replies,
    shared_bot,
    wait_for_file,
)

slack = shared_bot("commands")

BOB = "U0BOB"
PROCESSES = ["Blog writing", "SEO audits"]
# The keys section 4 of the contract promises in `--format json` (and so in the JSON export).
REPORT_KEYS = {
    "review",
    "processes",
    "merged",
    "merge_suggestions",
    "excluded",
    "shortlist",
    "weights",
    "directions",
}
SHORTLIST_KEYS = {"rank", "process", "score", "factors", "disagreements", "service_level", "metrics"}


def answer_all(talk: Conversation, replies: list[str]) -> None:
    for text in replies:
        talk.answer(text)


def rated_review(slack: Slack, title: str = "Q3 review") -> Conversation:
    """A review whose candidates are all rated (the report is ready) and whose metrics are still open."""
    talk = slack.talk()
    talk.start(title)
    answer_all(talk, review_replies(PROCESSES, metrics=False))
    talk.quiet()
    assert talk.review().state is Stage.METRICS
    return talk


def finished_review(slack: Slack, title: str = "Q3 review") -> Conversation:
    talk = slack.talk()
    talk.start(title)
    answer_all(talk, review_replies(PROCESSES))
    wait_for_file(slack.fake, talk.channel)
    talk.quiet()
    assert talk.review().state is Stage.DONE
    return talk


def body_text(body: str) -> str:
    """The text of a slash command's HTTP response: plain text (which Slack shows only to the one who typed
    the command) or JSON with `text` and no `in_channel` response type."""
    try:
        data = json.loads(body)
    except ValueError:
        assert body.strip(), "empty response"
        return body
    assert data.get("response_type", "ephemeral") == "ephemeral", data
    return str(data["text"])


def only_answer(body: str, calls: list) -> str:  # type: ignore[type-arg]
    """The command's one answer: its HTTP response (seen only by whoever typed it), nothing at response_url."""
    assert not responses(calls), calls
    return body_text(body)


# ---------------------------------------------------------------- help, list, DMs, no review


def test_help_is_the_http_response(slack: Slack) -> None:
    talk = slack.talk()
    status, body, _ = talk.command("help")
    assert status == 200
    text = body_text(body)
    for sub in ("status", "list", "report", "export", "cancel", "reopen", "unshare"):
        assert f"`/outsource-review {sub}" in text or f"`{sub}`" in text, sub
    assert "Q3 review" in text  # how to start one


def test_help_works_in_a_dm_too(slack: Slack) -> None:
    status, body, _ = slack.talk(new_channel("D")).command("HELP")
    assert status == 200 and "/outsource-review status" in body_text(body)


def test_list_shows_this_workspaces_reviews_only(slack: Slack) -> None:
    first, second = slack.talk(), slack.talk()
    first.start("Spring clean-up")
    second.start("Agency <b>shortlist</b> & more")
    second.answer("skip")
    other = slack.talk(team="T0OTHER")
    other.start("Somebody else's review")

    status, body, _ = slack.talk().command("list")
    assert status == 200
    text = body_text(body)
    assert "*Spring clean-up* in <#" + first.channel + ">: Getting started" in text
    assert "Agency &lt;b&gt;shortlist&lt;/b&gt; &amp; more" in text
    assert f"<#{second.channel}>: Step 1 of 7" in text
    assert "Somebody else" not in text
    assert first.review().team_id == p.TEAM_ID and other.review().team_id == "T0OTHER"


def test_list_with_no_reviews(slack: Slack) -> None:
    _, body, _ = slack.talk(team="T0EMPTY").command("list")
    assert "No reviews yet" in body_text(body)


def test_a_review_cannot_start_in_a_dm(slack: Slack) -> None:
    talk = slack.talk(new_channel("D"))
    mark = slack.fake.mark()
    status, body, _ = talk.command("Q3 review", channel_name="directmessage")
    assert status == 200
    text = body_text(body)
    assert "in a channel" in text and "Type the command in a channel" in text
    assert not slack.bot.output().count("Traceback")
    # Nothing posted and nothing saved.
    assert not in_channel([c for c in slack.fake.calls() if c.seq > mark], talk.channel)
    assert not [r for r in talk.store.list_reviews(p.TEAM_ID, 500) if r.channel_id == talk.channel]


@pytest.mark.parametrize("sub", ["status", "report", "export", "cancel", "reopen"])
def test_no_review_in_this_channel(slack: Slack, sub: str) -> None:
    status, body, _ = slack.talk().command(sub)
    assert status == 200
    assert "There is no review in this channel yet" in body_text(body)


# ---------------------------------------------------------------- status


def test_status_says_the_step_and_progress(slack: Slack) -> None:
    talk = slack.talk()
    talk.start("Where we stand")
    answer_all(talk, ["skip", "Blog writing\nSEO audits\nNewsletter", "done"])
    talk.quiet()
    status, body, calls = talk.command("status")
    assert status == 200
    text = only_answer(body, calls)
    assert text.startswith("*Where we stand*: Step 2 of 7 · ")
    assert text.endswith(". So far: 3 processes listed.")
    # Only the one who asked sees it: nothing in the channel.
    assert not [c for c in calls if c.method.startswith("chat.")]


# ---------------------------------------------------------------- cancel and reopen


def test_the_facilitator_cancels(slack: Slack) -> None:
    talk = slack.talk()
    thread = talk.start("To be cancelled")
    talk.answer("skip")
    talk.quiet()

    _, _, calls = talk.command("cancel")
    updates = [c for c in calls if c.method == "chat.update" and c["ts"] == thread]
    assert updates and "Cancelled" in updates[-1].all_text()
    assert "Cancelled" in slack.fake.message(talk.channel, thread).all_text()
    notes = [c for c in calls if c.method == "chat.postMessage" and c.get("thread_ts") == thread]
    assert [c.text for c in notes] == [f"<@{p.USER_ID}> cancelled this review."]
    assert not responses(calls)  # done, nothing to explain
    assert talk.review().state is Stage.CANCELLED

    # A later reply in the thread is refused, privately, with what to do instead.
    calls = talk.say("Blog writing")
    assert ephemerals(calls) == [
        "This review is cancelled; start a new one or ask the facilitator to reopen it."
    ]
    assert not [c for c in calls if c.method in ("chat.postMessage", "chat.update")]
    assert talk.review().state is Stage.CANCELLED
    assert [r.question for r in talk.store.history(talk.review().id or "")][-1] == "review.cancel"


def test_someone_else_cannot_cancel_but_an_admin_can(slack: Slack) -> None:
    talk = slack.talk()
    thread = talk.start("Not yours")
    before = talk.review()

    _, body, calls = talk.command("cancel", user=BOB)
    assert only_answer(body, calls) == (
        f"Only the facilitator (<@{p.USER_ID}>) or a workspace admin can cancel this review."
    )
    assert not [c for c in calls if c.method in ("chat.update", "chat.postMessage")]
    after = talk.review()
    assert after.state is before.state and after.version == before.version

    slack.fake.set_user("U0ADMIN", is_admin=True)
    _, _, calls = talk.command("cancel", user="U0ADMIN")
    assert not responses(calls)
    assert talk.review().state is Stage.CANCELLED
    assert any(c.method == "chat.update" and c["ts"] == thread for c in calls)
    history = talk.store.history(talk.review().id or "")
    assert (history[-1].question, history[-1].author) == ("review.cancel", "U0ADMIN")


def test_reopen_a_cancelled_review_goes_on_where_it_stopped(slack: Slack) -> None:
    talk = slack.talk()
    thread = talk.start("Paused")
    answer_all(talk, ["skip", "Blog writing\nSEO audits", "done"])
    talk.quiet()
    talk.command("cancel")
    assert talk.review().state is Stage.CANCELLED
    _, _, calls = talk.command("reopen")
    assert not responses(calls)
    assert talk.review().state is Stage.CANDIDATES
    calls = talk.say("all")
    assert "Step 3 of 7" in last_question(calls).all_text()
    assert "2 candidates" in slack.fake.message(talk.channel, thread).all_text()


def test_reopen_a_finished_review(slack: Slack) -> None:
    talk = finished_review(slack, "Second look")
    thread = talk.thread_ts

    _, body, calls = talk.command("reopen", user=BOB)
    assert "Only the facilitator" in only_answer(body, calls)
    assert talk.review().state is Stage.DONE

    _, _, calls = talk.command("reopen")
    assert not responses(calls)
    assert talk.review().is_open
    notes = [c.text for c in calls if c.method == "chat.postMessage" and c.get("thread_ts") == thread]
    assert notes and "reopened this review" in notes[0]
    kickoff = [c for c in calls if c.method == "chat.update" and c["ts"] == thread]
    assert kickoff and "Finished" not in kickoff[-1].all_text()

    # Reopening an open review is refused with the reason.
    _, body, calls = talk.command("reopen")
    assert only_answer(body, calls) == "Only a finished or cancelled review can be reopened."


# ---------------------------------------------------------------- report


def test_report_before_the_ratings_are_complete(slack: Slack) -> None:
    talk = slack.talk()
    talk.start("Early")
    answer_all(talk, review_replies(PROCESSES, metrics=False)[:-4])  # the last process is not rated yet
    talk.quiet()
    _, body, calls = talk.command("report")
    assert "not ready yet" in only_answer(body, calls)
    assert not [c for c in calls if c.method == "chat.postMessage"]
    assert not [c for c in calls if c.method.startswith("files.")]


def test_report_posts_the_shortlist_to_the_channel(slack: Slack) -> None:
    talk = rated_review(slack, "Ready")
    _, _, calls = talk.command("report")
    assert not responses(calls)
    (posted,) = [c for c in calls if c.method == "chat.postMessage"]
    assert posted["channel"] == talk.channel and not posted.get("thread_ts")
    text = posted.all_text()
    assert "Shortlist: Ready" in text and "SEO audits (rank 2)" in text
    assert "*Outsource first*\n• Blog writing (rank 1): big benefits, low risk" in text
    assert "risk 2" not in text  # words, not arithmetic
    assert "The full report is in the review's thread" in text
    # The whole report as a Markdown file, in the review's thread.
    markdown = wait_for_file(slack.fake, talk.channel)
    assert markdown.filename == "ready.md" and markdown.thread_ts == talk.thread_ts
    content = markdown.content.decode()
    assert (
        content.startswith("# Ready") and "### 1. Blog writing" in content and "### 2. SEO audits" in content
    )
    assert "- Why: big benefits, low risk" in content
    assert not failed(calls)
    # The interview goes on: the metrics question is still open.
    assert talk.review().state is Stage.METRICS


def test_report_with_nothing_listed_yet(slack: Slack) -> None:
    """Not an empty shortlist: a review that has no processes yet has no report."""
    talk = slack.talk()
    talk.start("Just begun")
    _, body, calls = talk.command("report")
    assert "not ready yet" in only_answer(body, calls)
    assert not [c for c in calls if c.method == "chat.postMessage" or c.method.startswith("files.")]


# ---------------------------------------------------------------- export


@pytest.fixture(scope="module")
def exported(slack: Slack) -> Conversation:
    return finished_review(slack, "Q4 numbers")


def uploaded(slack: Slack, talk: Conversation, fmt: str) -> bytes:
    _, _, calls = talk.command(f"export {fmt}")
    assert not responses(calls), responses(calls)
    methods = [c.method for c in calls]
    assert methods.index("files.getUploadURLExternal") < methods.index("upload")
    assert methods.index("upload") < methods.index("files.completeUploadExternal")
    assert not failed(calls)
    start = next(c for c in calls if c.method == "files.getUploadURLExternal")
    assert start["filename"] == f"q4-numbers.{fmt}"
    done = next(c for c in calls if c.method == "files.completeUploadExternal")
    assert done["channel_id"] == talk.channel and done["thread_ts"] == talk.thread_ts
    return slack.fake.file_content(f"q4-numbers.{fmt}")


def test_export_json_has_the_contract_keys(slack: Slack, exported: Conversation) -> None:
    data = json.loads(uploaded(slack, exported, "json"))
    assert set(data) >= REPORT_KEYS
    assert data["review"] == "Q4 numbers"
    assert data["processes"] == PROCESSES
    assert [t["process"] for t in data["shortlist"]] == ["Blog writing", "SEO audits"]
    for task in data["shortlist"]:
        assert set(task) >= SHORTLIST_KEYS
        assert task["factors"] == dict(zip(data["weights"], [int(v) for v in RATING.split()], strict=True))


def test_export_markdown_and_csv(slack: Slack, exported: Conversation) -> None:
    markdown = uploaded(slack, exported, "md").decode()
    assert markdown.startswith("# Q4 numbers") and "Blog writing" in markdown and "SEO audits" in markdown
    rows = list(csv.reader(io.StringIO(uploaded(slack, exported, "csv").decode())))
    assert len(rows) >= 3
    assert {"Blog writing", "SEO audits"} <= {cell for row in rows for cell in row}


def test_export_without_a_format_is_markdown(slack: Slack, exported: Conversation) -> None:
    _, _, calls = exported.command("export")
    start = next(c for c in calls if c.method == "files.getUploadURLExternal")
    assert start["filename"] == "q4-numbers.md"


def test_export_an_unknown_format(slack: Slack, exported: Conversation) -> None:
    _, body, calls = exported.command("export pdf")
    assert only_answer(body, calls) == (
        "I can export as md, json, csv; for example `/outsource-review export csv`."
    )
    assert not [c for c in calls if c.method.startswith("files.")]


def test_export_before_the_report_is_ready(slack: Slack) -> None:
    talk = slack.talk()
    talk.start("Too early")
    _, body, calls = talk.command("export json")
    assert "nothing to export yet" in only_answer(body, calls)
    assert not [c for c in calls if c.method.startswith("files.")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("status", ("status", "")),
        ("Status check", ("start", "Status check")),
        ("reopen the agency question", ("start", "reopen the agency question")),
        ("export csv", ("export", "csv")),
        ("Export plan for Q3", ("start", "Export plan for Q3")),
        ("Q3 review", ("start", "Q3 review")),
        ("", ("start", "")),
    ],
)
def test_a_title_may_start_with_a_subcommand_word(text: str, expected: tuple[str, str]) -> None:
    assert split_command(text) == expected
