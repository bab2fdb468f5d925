"""An in-memory `ReviewStore` for the flows tests: copies in and out, versions checked as the real stores do."""

from __future__ import annotations

import copy
import dataclasses
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime

from flows.method import Stage
from flows.model import AnswerRecord, Review, utcnow
from flows.ports import DuplicateDelivery, Outgoing, VersionConflict


class MemoryStore:
    """The ReviewStore protocol kept in dicts, with the same version and receipt rules as the real one.

    `before_next_save` runs a callable once, just before the next save is checked: another writer
    getting in between a load and a save. `outbox` holds what the writes put in the outbox, in order.
    """

    def __init__(self) -> None:
        self.reviews: dict[str, Review] = {}
        self.records: dict[str, list[AnswerRecord]] = {}
        self.receipts: set[tuple[str, str]] = set()
        self.outbox: list[Outgoing] = []
        self.conflicts = 0
        self.saves = 0
        self.before_next_save: list[Callable[[], None]] = []

    def create(self, review: Review, outbox: Sequence[Outgoing] = ()) -> Review:
        stored = dataclasses.replace(copy.deepcopy(review), id=review.id or uuid.uuid4().hex, version=1)
        new_id = stored.id or ""
        self.reviews[new_id] = stored
        self.records[new_id] = []
        self.outbox.extend(
            dataclasses.replace(
                item,
                review_id=new_id if item.review_id == "" else item.review_id,
                lane=new_id if item.lane == "" else item.lane,
            )
            for item in outbox
        )
        return copy.deepcopy(stored)

    def get(self, review_id: str, team_id: str | None = None) -> Review | None:
        review = self.reviews.get(review_id)
        if review is None or (team_id is not None and review.team_id != team_id):
            return None
        return copy.deepcopy(review)

    def find_by_thread(self, team_id: str, channel_id: str, thread_ts: str) -> Review | None:
        for review in self.reviews.values():
            if (review.team_id, review.channel_id, review.thread_ts) == (team_id, channel_id, thread_ts):
                return copy.deepcopy(review)
        return None

    def save(
        self,
        review: Review,
        records: Sequence[AnswerRecord] = (),
        receipt: str | None = None,
        *,
        since: Review | None = None,
        outbox: Sequence[Outgoing] = (),
    ) -> Review:
        if self.before_next_save:
            self.before_next_save.pop(0)()
        stored = self.reviews[review.id or ""]
        if stored.version != review.version:
            self.conflicts += 1
            raise VersionConflict(review.id)
        if receipt is not None:
            if (stored.team_id, receipt) in self.receipts:
                raise DuplicateDelivery(receipt)
            self.receipts.add((stored.team_id, receipt))
        saved = dataclasses.replace(
            copy.deepcopy(review),
            version=review.version + 1,
            updated_at=utcnow(),
            team_id=stored.team_id,
            created_at=stored.created_at,
        )
        self.reviews[saved.id or ""] = saved
        self.records[saved.id or ""].extend(copy.deepcopy(list(records)))
        self.outbox.extend(outbox)
        self.saves += 1
        return copy.deepcopy(saved)

    def mark_posted(self, review: Review, question: str | None, posted_at: datetime | None = None) -> Review:
        stored = self.reviews[review.id or ""]
        if stored.version != review.version:
            self.conflicts += 1
            raise VersionConflict(review.id)
        stored.posted_question, stored.posted_at, stored.version = question, posted_at, stored.version + 1
        return dataclasses.replace(
            copy.deepcopy(review), posted_question=question, posted_at=posted_at, version=stored.version
        )

    def list_reviews(
        self, team_id: str | None = None, limit: int = 50, state: Stage | None = None
    ) -> list[Review]:
        found = [
            r
            for r in self.reviews.values()
            if (team_id is None or r.team_id == team_id) and (state is None or r.state is state)
        ]
        return [copy.deepcopy(r) for r in sorted(found, key=lambda r: r.created_at, reverse=True)[:limit]]

    def history(self, review_id: str) -> list[AnswerRecord]:
        return copy.deepcopy(self.records.get(review_id, []))

    def shortlist_counts(self, team_id: str) -> dict[str, int]:
        return {}

    def enqueue(self, outbox: Sequence[Outgoing]) -> None:
        self.outbox.extend(outbox)

    def claim_receipt(self, team_id: str, key: str, outbox: Sequence[Outgoing] = ()) -> bool:
        if (team_id, key) in self.receipts:
            return False
        self.receipts.add((team_id, key))
        self.outbox.extend(outbox)
        return True
