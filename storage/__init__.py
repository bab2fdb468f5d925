"""Persistence for reviews: SQLModel tables, engines, Alembic migrations and the ReviewStore implementation.

- `storage.db`: `make_engine(url)`, `database_url(url)` (the URL as used, default: a SQLite file in the
  user's data folder), `MissingDriver`
- `storage.migrate`: `ensure_schema(engine)` (every command), `upgrade(engine)`, `current_revision(engine)`
- `storage.repository`: `SqlReviewStore(engine, outcome)`, implementing `flows.ports.ReviewStore`
"""
