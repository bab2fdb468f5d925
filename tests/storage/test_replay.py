"""A review from an answers file (`ReviewService.replay`) against a real database (a SQLite file, and PostgreSQL): saved at once, with the
answers, records and ledger the same replies typed one by one in a chat give."""

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from sqlalchemy import Engine, event

from flows.answers import load_answers
from flows.ledger import LedgerEntry
from flows.model import AnswerRecord, Review
from flows.prompts import Prompt
from flows.replay import Answers, drive
from flows.service import ReviewService
from storage.repository import SqlReviewStore

EXAMPLE = Path(__file__).parents[1] / "cli" / "data" / "contract_example.yml"
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
    ) -> Review:
        self.saves += 1
        return super().save(review, records, receipt, since=since)


def typed_one_by_one(service: ReviewService) -> Review:
    """The same file typed in a chat: each reply through `ReviewService.reply`, saved on its own."""
    data = load_answers(EXAMPLE.read_text(encoding="utf-8"), EXAMPLE.name)
    turn = service.start(title=data.title or "", facilitator=FACILITATOR)
    review_id = turn.review.id or ""

    def send(author: str, text: str) -> tuple[Prompt | None, str | None]:
        reply = service.reply(review_id, author, text, is_admin=author == FACILITATOR)
        return reply.prompt, reply.error

    drive(Answers(data, EXAMPLE.name, FACILITATOR), turn.prompt, send)
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
