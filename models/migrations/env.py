"""Run by Alembic for every command; always online, on the connection models.migrate passes in.

No alembic.ini and no logging set-up here: the app configures Alembic in code (models.migrate.alembic_config)
and must not have its logging replaced by a migration.
"""

from alembic import context
from sqlmodel import SQLModel

from models import tables  # noqa: F401  (registers the tables)

connection = context.config.attributes.get("connection")
if connection is None or context.is_offline_mode():
    raise RuntimeError("Migrations run through models.migrate, on a connection it provides.")

context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=True,  # SQLite changes constraints by copying the table: batch_alter_table does it
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
