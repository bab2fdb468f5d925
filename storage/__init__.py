"""Persistence for reviews: SQLModel tables, engines, Alembic migrations and the ReviewStore implementation.

- `storage.db`: `make_engine(url)`, `database_url(url)` (the URL as used, default: a SQLite file in the
  user's data folder), `MissingDriver`
- `storage.migrate`: `ensure_schema(engine)` (every command), `upgrade(engine)`, `current_revision(engine)`
- `storage.repository`: `SqlReviewStore(engine, outcome, outbox)`, implementing `flows.ports.ReviewStore`;
  its writes put their messages in `store.outbox`
- `storage.outbox`: `SqlOutbox` (outbox rows written in the store's transactions, claimed by delivery workers),
  `OutboxRow`, `Backlog`, `Problem`
"""
