"""`chat` driven by a piped transcript: a whole review, with mistakes, `back` and `skip` on the way."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.cli import Cli, Result, decision, without_directions

# The contract's example review (without its `directions` line, which the interview does not ask about),
# typed in as a team would: one line per reply; an empty line ends a list.
TRANSCRIPT = [
    "7x",  # not an option number: explained, and the same question is asked again
    "3",  # organisation: online shop
    "Blog writing",
    "Writing blog posts",
    "SEO audits",
    # ---- the input ends here in the resume test: the list so far must survive
    "Brand strategy",
    "Key account calls",
    "Website relaunch",
    "",  # the list is complete
    "yes",  # merge "Writing blog posts" into "Blog writing"
    "all",  # step 2: every process is a candidate
    "a 3",  # step 3 in one reply: (a) competitive advantage holds for Brand strategy, no other reason
    "d Key account calls",  # step 4: (d) face to face, by name
    "a 3",  # step 5: (a) in progress, Website relaunch
    "risk 2",  # step 6 weights
    "skip",  # Blog writing: no service level
    "1 3 1 3 4",  # five ratings: explained, asked again
    "1 3 1 3 4 1",
    "weekly",  # SEO audits: a wrong service level...
    "back",  # ...taken back
    "monthly audit, 5 working days",
    "2 4 2 2 5 2",
    "",  # step 7, Blog writing: no metrics
    "organic sessions per month; 12000; 15000; 11000",
    "",
]
SPLIT = TRANSCRIPT.index("Brand strategy")


def chat(cli: Cli, lines: list[str], *args: str) -> Result:
    return cli.ok("chat", *args, stdin="".join(f"{line}\n" for line in lines))


def new_review_id(result: Result) -> str:
    match = re.search(r"New review ([0-9a-f]{32})", result.out)
    assert match, result.out
    return match.group(1)


def assert_same_as_answers_file(cli: Cli, review_id: str, write: Callable[[str, str], Path]) -> None:
    typed = json.loads(cli.ok("export", review_id, "--format", "json").out)
    from_file = json.loads(cli.ok("review", "--answers", without_directions(write), "--format", "json").out)
    assert decision(typed) == decision(from_file)


START = ["--title", "Q3 marketing review", "--name", "alice", "--raters", "alice"]


@pytest.mark.slow
def test_a_piped_transcript_completes_a_review(cli: Cli, write: Callable[[str, str], Path]) -> None:
    """Through a real pipe into `python -m bot chat` (the other tests call the CLI in this process)."""
    result = cli.process("chat", *START, stdin="".join(f"{line}\n" for line in TRANSCRIPT))
    assert result.code == 0, result
    out = result.out
    review_id = new_review_id(result)
    for step in range(1, 8):
        assert f"Step {step} of 7 · " in out
    # the wrong option number, the five ratings and the service level taken back were each asked again
    assert out.count("What kind of organisation is this review for?") == 2
    assert out.count("Rate “Blog writing” on each factor") == 2
    assert out.count("What service level do you get for “SEO audits” today") == 2
    assert "Task 1 of 2: Rate “Blog writing”" in out and "Task 2 of 2: What service level" in out
    assert "  3. Online shop (B2C product)" in out
    assert "All seven steps are done" in out
    assert "# Q3 marketing review" in out and "| 1 | Blog writing | 82.1 |" in out
    assert "Finished" in cli.ok("list").out

    assert_same_as_answers_file(cli, review_id, write)
    report = json.loads(cli.ok("export", review_id, "--format", "json").out)
    assert report["shortlist"][1]["service_level"] == "monthly audit, 5 working days"


def test_end_of_input_saves_and_resume_finishes(cli: Cli, write: Callable[[str, str], Path]) -> None:
    first = chat(cli, TRANSCRIPT[:SPLIT], *START)
    review_id = new_review_id(first)
    assert first.out.rstrip().endswith(f"Saved. Resume with: outsource-review chat --resume {review_id}")
    assert "Step 1 of 7" in cli.ok("list").out
    assert cli("export", review_id).code == 1  # no report yet

    second = chat(cli, TRANSCRIPT[SPLIT:], "--resume", review_id[:10])
    assert "So far: Blog writing, Writing blog posts, SEO audits" in second.out
    assert "All seven steps are done" in second.out
    assert_same_as_answers_file(cli, review_id, write)

    again = chat(cli, [], "--resume", review_id)
    assert "# Q3 marketing review" in again.out


def test_two_raters_take_turns(cli: Cli) -> None:
    lines = ["skip", "SEO audits", "", "all", *["none"] * 3, "ok", "skip"]
    result = chat(cli, [*lines, "2 4 2 2 5 2", "4 4 2 2 3 2", ""], "--title", "Two", "--raters", "maria,tom")
    assert "It is maria's turn to rate." in result.out
    assert "It is tom's turn to rate." in result.out
    assert "Thanks maria, your ratings are in." in result.out  # a name, with no mark around it
    assert "\x1e" not in result.out
    assert "Disagreement on risk: maria said 2, tom said 4." in result.out


SEVEN = ["SEO audits", "Newsletter", "Paid search ads", "Blog writing", "Podcast", "Trade fairs", "Webinars"]


def test_commands_typed_in_the_chat_work_at_every_question_and_a_merge_renumbers(cli: Cli) -> None:
    """A command word at the title question needs quotes to be the title; `back` shows the answer it reopens;
    `merge` while listing merges; `merge` at step 2 shows the question again with its new numbers, and the
    numbers typed next mean what that list shows."""
    transcript = [
        "weights are fine",  # a command that does not parse: refused, with the way to mean it
        '"weights are fine"',  # quoted: the title
        "back",  # at the kind of organisation: back to the title, which is shown
        "Q3 review",
        "skip",
        *SEVEN[:4],
        "merge Paid search ads into SEO audits",  # while listing: a merge, not a process
        *SEVEN[4:],
        "",  # the list is complete
        "merge Newsletter into SEO audits",
        "2 3",  # in the new numbering: Blog writing and Podcast
    ]
    result = chat(cli, transcript, "--name", "alice")
    out = result.out
    assert 'To send it as text instead, put it in quotes: "weights are fine".' in out
    assert "Going back to the title. You answered: weights are fine. Reply again to change it." in out
    assert "Merged “Paid search ads” into “SEO audits”." in out
    merged_at_step_2 = out.index("Merged “Newsletter” into “SEO audits”. The options are numbered anew")
    renumbered = out[merged_at_step_2:]
    assert "  1. SEO audits\n  2. Blog writing\n  3. Podcast\n  4. Trade fairs\n  5. Webinars\n" in renumbered
    # Step 3 asks about the candidates picked by the new numbers.
    step_3 = renumbered[renumbered.index("Step 3 of 7") :]
    assert "  1. Blog writing\n  2. Podcast\na. Which of these" in step_3


FOUR = ["SEO audits", "Newsletter", "Blog writing", "Podcast"]
UP_TO_STEP_6 = ["skip", *FOUR, "", "all", "a 4", "none", "none", "ok"]  # Podcast kept in-house
RATINGS = ["2 4 2 2 5 2", "3 3 3 3 3 3", "1 3 1 3 4 1"]
WHEN = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC")  # the ledger's times: when the two chats answered


def test_skip_all_and_done_all_answer_every_task_left_as_skip_and_done_would(cli: Cli) -> None:
    """`skip all` at a service level passes it and every later one, straight to each rating round; `done all`
    at metrics ends them for every task left. The report is the one the same answers one by one make."""
    at_once = [
        *UP_TO_STEP_6,
        "monthly, 5 working days",  # SEO audits
        RATINGS[0],
        "skip all",  # Newsletter and Blog writing: no service level
        RATINGS[1],
        RATINGS[2],
        "open rate; 20; 30",  # the first task shortlisted
        "done all",  # no more metrics, none for the two after it
    ]
    one_by_one = [
        *UP_TO_STEP_6,
        "monthly, 5 working days",
        RATINGS[0],
        "skip",
        RATINGS[1],
        "skip",
        RATINGS[2],
        "open rate; 20; 30",
        "done",
        "done",
        "done",
    ]
    first = chat(cli, at_once, "--title", "Same", "--name", "alice")
    out = first.out
    assert "Also skip, skip all (no service level for this task or any after it), back, help." in out
    assert "Skipped, and the service levels of the task after it too." in out
    assert "Done, and no metrics for the 2 tasks after it." in out
    assert out.count("What service level do you get for") == 2  # SEO audits, then Newsletter's `skip all`
    assert "What service level do you get for “Blog writing”" not in out
    assert "All seven steps are done" in out
    second = chat(cli, one_by_one, "--title", "Same", "--name", "alice")
    reports = [WHEN.sub("(when)", cli.ok("export", new_review_id(result)).out) for result in (first, second)]
    assert reports[0] == reports[1]
    assert "Service level today: monthly, 5 working days" in reports[0]
    assert "open rate" in reports[0] and "Podcast" in reports[0]


def test_back_after_skip_all_reopens_that_task_and_a_wrong_word_for_the_rest_is_refused(cli: Cli) -> None:
    result = chat(
        cli,
        [*UP_TO_STEP_6, "done all", "skip all", "back", "weekly", *RATINGS, "done all"],
        "--title",
        "Back",
        "--name",
        "alice",
    )
    out = result.out
    assert "done all doesn't work here." in out
    assert "Going back to the service level of SEO audits." in out
    report = json.loads(cli.ok("export", new_review_id(result), "--format", "json").out)
    levels = {task["process"]: task["service_level"] for task in report["shortlist"]}
    assert levels == {"SEO audits": "weekly", "Newsletter": None, "Blog writing": None}


def test_steps_3_to_5_are_each_asked_once_with_a_letter_per_question(cli: Cli) -> None:
    """A knock-out step is one screen: the processes numbered once, each question with its letter; one reply
    answers them all, saved as the answers one by one would be (the same exclusions, steps and reasons)."""
    transcript = [
        "skip",
        *SEVEN[:5],
        "",
        "x9",  # step 2: not an option; the peer figures are not shown again
        "all",
        "help",  # every question of the step with its help
        "1 3",  # numbers without a question's letter: refused, nothing saved
        "e 1",  # no question e at step 3
        "a 9",  # no option 9
        "a Paid search ads; c 1, Podcast",
        "back",  # at step 4: the last answer of step 3 (its question c) is reopened, alone
        "a 1",  # answered already
        "c 1",
        "b 1",  # step 4: (b) internal politics, Newsletter
        "none",  # step 5
        "ok",
        "skip all",
        *RATINGS[:2],
        "done all",
    ]
    result = chat(cli, transcript, "--title", "Steps", "--name", "alice", "--raters", "alice")
    out = result.out
    assert out.count("(Constant Contact via MediaPost, 2013") == 1  # step 2's peer figures, once
    step_3 = out[out.index("Step 3 of 7") : out.index("Step 4 of 7")]
    assert step_3.count("  1. SEO audits\n") == 1
    assert "\na. Which of these give you a competitive advantage?\nb. " in step_3
    assert "Reply with a question's letter (a to c) and the processes it holds for" in step_3
    assert "c. Which of these are too small to be worth outsourcing? Finding, briefing" in step_3  # help
    assert "\n> 1 3\nReply with a question's letter (a to c)" in step_3
    assert "There is no question e to answer here." in step_3
    assert "a: There is no option 9" in step_3
    assert "Saved. Leaving the review at this step: Paid search ads, SEO audits, Podcast." in step_3
    again = out[out.index("> back") :]
    assert "Going back to which processes: too little benefit." in again
    assert (
        "  5. Podcast\nc. Which of these are too small to be worth outsourcing?\nReply with a question's letter (c)"
        in again
    )
    assert "There is no question a to answer here." in again
    assert "Step 6 of 7" in out
    report = json.loads(cli.ok("export", new_review_id(result), "--format", "json").out)
    excluded = {e["process"]: (e["step"], e["reasons"]) for e in report["excluded"]}
    assert excluded == {
        "Paid search ads": (3, ["competitive_advantage"]),
        "SEO audits": (3, ["low_benefit"]),
        "Newsletter": (4, ["internal_politics"]),
    }
