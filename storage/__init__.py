"""Persistence for reviews: SQLModel tables, engines, Alembic migrations and the ReviewStore implementation.

- `storage.db`: `make_engine(url)`, `hint_engine(engine)`, `default_database_url()`
- `storage.migrate`: `ensure_schema(engine)` (every command), `upgrade(engine)`, `current_revision(engine)`
- `storage.repository`: `SqlReviewStore(engine, outcome, hints)`, implementing `flows.ports.ReviewStore`
"""
