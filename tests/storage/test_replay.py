"""A review from an answers file (`ReviewService.replay`) against a real database (a SQLite file, and PostgreSQL): saved at once, with the
answers, records and ledger the same replies typed one by one in a chat give."""

import re
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from sqlalchemy import Engine, event

from flows.answers import load_answers
from flows.ledger import LedgerEntry
from flows.method import Stage
from flows.model import AnswerRecord, Review
from flows.ports import Outgoing
from flows.prompts import Prompt
from flows.render import render_markdown, to_json_dict
from flows.replay import Answers, drive
from flows.service import Permission, Reply, ReviewService
from storage.db import make_engine
from storage.migrate import upgrade
from storage.repository import SqlReviewStore
from tests.support.answers_files import answers_text

EXAMPLE = Path(__file__).parents[1] / "cli" / "data" / "contract_example.yml"
STAMP = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC")
FACILITATOR = "fran"


class CountingStore(SqlReviewStore):
    """The real store, counting its saves."""

    saves = 0

    def save(
        self,
        review: Review,
        records: Sequence[AnswerRecord] = (),
        receipt: str | None = None,
        *,
        since: Review | None = None,
        outbox: Sequence[Outgoing] = (),
    ) -> Review:
        self.saves += 1
        return super().save(review, records, receipt, since=since, outbox=outbox)


def typed_one_by_one(service: ReviewService, text: str | None = None, source: str = EXAMPLE.name) -> Review:
    """The same file (`text`, by default the contract's example) typed in a chat: each reply through
    `ReviewService.reply`, saved on its own."""
    data = load_answers(text if text is not None else EXAMPLE.read_text(encoding="utf-8"), source)
    turn = service.start(title=data.title or "", facilitator=FACILITATOR)
    review_id = turn.review.id or ""

    def send(author: str, text: str) -> tuple[Prompt | None, str | None]:
        reply = service.reply(
            review_id,
            Reply(author, text),
            permission=Permission.ADMIN if author == FACILITATOR else Permission.MEMBER,
        )
        return reply.prompt, reply.error

    drive(Answers(data, source, FACILITATOR), turn.prompt, send)
    return service.load(review_id)


def undated(ledger: list[LedgerEntry]) -> list[LedgerEntry]:
    return [replace(entry, at=None) for entry in ledger]


def said(history: list[AnswerRecord]) -> list[tuple[object, ...]]:
    return [(r.question, r.author, r.text, r.value) for r in history]


def test_an_answers_file_is_saved_at_once_as_a_chat_would_save_it(engine: Engine) -> None:
    store = CountingStore(engine)
    service = ReviewService(store)
    commits: list[object] = []
    event.listen(engine, "commit", commits.append)
    data = load_answers(EXAMPLE.read_text(encoding="utf-8"), EXAMPLE.name)

    replayed = service.replay(data, EXAMPLE.name, facilitator=FACILITATOR, title="fallback")

    assert (store.saves, len(commits)) == (1, 2)  # the review created, then saved once with every record
    chatted = typed_one_by_one(service)
    assert (replayed.state, replayed.answers, replayed.answered) == (
        chatted.state,
        chatted.answers,
        chatted.answered,
    )
    replayed_history, chatted_history = store.history(replayed.id or ""), store.history(chatted.id or "")
    assert len(replayed_history) > 10
    assert said(replayed_history) == said(chatted_history)
    ledger = undated(service.full_report(replayed).ledger)
    assert ledger and ledger == undated(service.full_report(chatted).ledger)


def test_a_mid_size_file_is_saved_as_its_replies_typed_one_by_one_would_save_it(sqlite_url: str) -> None:
    """A generated file of 40 processes and 3 raters (merges by name, a look-alike kept apart, knock-outs at
    steps 2 to 5, weights and a direction, service levels, metrics): the one-pass replay keeps what is in
    play and where each stage's questions stand from reply to reply; a chat works them out anew each reply."""
    engine = make_engine(sqlite_url)
    upgrade(engine)
    service = ReviewService(SqlReviewStore(engine))
    text, source = answers_text(40, raters=3), "generated.json"

    data = load_answers(text, source)
    replayed = service.load(service.replay(data, source, facilitator=FACILITATOR, title=data.title).id or "")

    chatted = typed_one_by_one(service, text, source)
    assert replayed.state is Stage.DONE
    assert (replayed.answers, replayed.answered, replayed.drafts, replayed.title) == (
        chatted.answers,
        chatted.answered,
        chatted.drafts,
        chatted.title,
    )
    replayed_history, chatted_history = store_history(service, replayed), store_history(service, chatted)
    assert len(replayed_history) > 200
    assert said(replayed_history) == said(chatted_history)
    reports = [service.full_report(review) for review in (replayed, chatted)]
    assert {e.step for e in reports[0].excluded} == {2, 3, 4, 5}
    assert reports[0].merged and reports[0].merge_suggestions
    assert undated(reports[0].ledger) == undated(reports[1].ledger)
    markdown = [STAMP.sub("(when)", render_markdown(report)) for report in reports]
    assert markdown[0] == markdown[1]
    for report in reports:
        report.ledger = undated(report.ledger)
    assert to_json_dict(reports[0]) == to_json_dict(reports[1])


def store_history(service: ReviewService, review: Review) -> list[AnswerRecord]:
    return service.store.history(review.id or "")
