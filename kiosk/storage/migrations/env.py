"""Alembic environment: runs on the connection handed over by kiosk.storage.migrate.migrate."""

from alembic import context

from kiosk.storage.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through kiosk.storage.migrate.migrate(engine)")
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
