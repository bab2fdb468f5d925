"""Persistence for reviews: SQLModel tables, engines, Alembic migrations and the ReviewStore implementation.

- `storage.db`: `make_engine(url)`, `default_database_url()`
- `storage.migrate`: `ensure_schema(engine)` (every command), `upgrade(engine)`, `current_revision(engine)`
- `storage.repository`: `SqlReviewStore(engine, outcome)`, implementing `flows.ports.ReviewStore`
"""
