"""Successive plans in one database: a plan's state (in corso / chiuso) and closing time, an objective's
predecessor in the previous plan, and the plan whose history page shows a historical outcome (existing
outcomes, the 2021-2023 plan's, belong to the existing plan's page). Semesters need no column: a semester
belongs to the plan whose years contain it (plans never share a year).

Revision ID: 0004_successive_plans
Revises: 0003_api_tokens_open_data
Create Date: 2026-12-06 06:01:50.762889
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = '0004_successive_plans'
down_revision: str | Sequence[str] | None = '0003_api_tokens_open_data'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain ALTER TABLE ADD COLUMN, not batch mode: on SQLite a batch copies the table, and plan and objective are
# referenced by other tables while foreign keys are enforced (the copy's DROP TABLE would fail). SQLite adds a
# column with a REFERENCES clause in place (Alembic would try a separate ALTER of the constraint, which SQLite
# lacks: the clause is written here). The state's server default stays (Alembic does not compare defaults).
FOREIGN_KEYS = (  # table, column, referenced table
    ('objective', 'predecessor_id', 'objective'),
    ('historicaloutcome', 'plan_id', 'plan'),
    ('historicaloutcome', 'closed_plan_id', 'plan'),
    ('historicaloutcome', 'source_objective_id', 'objective'),
)


def add_reference(table: str, column: str, target: str) -> None:
    if op.get_bind().dialect.name == 'sqlite':
        op.execute(f'ALTER TABLE {table} ADD COLUMN {column} INTEGER REFERENCES {target} (id)')
    else:
        op.add_column(table, sa.Column(column, sa.Integer(), nullable=True))
        op.create_foreign_key(f'fk_{table}_{column}', table, target, [column], ['id'])


def upgrade() -> None:
    op.add_column(
        'plan',
        sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False, server_default='in_corso'),
    )
    op.add_column('plan', sa.Column('closed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    for table, column, target in FOREIGN_KEYS:
        add_reference(table, column, target)
    op.create_index('ix_historicaloutcome_plan_id', 'historicaloutcome', ['plan_id'], unique=False)
    # Backfill: the outcomes in the database are the history page of the one plan there is.
    op.execute('UPDATE historicaloutcome SET plan_id = (SELECT min(id) FROM plan)')


def downgrade() -> None:
    op.drop_index('ix_historicaloutcome_plan_id', table_name='historicaloutcome')
    for table, column, _target in reversed(FOREIGN_KEYS):
        if op.get_bind().dialect.name != 'sqlite':
            op.drop_constraint(f'fk_{table}_{column}', table, type_='foreignkey')
        op.drop_column(table, column)
    op.drop_column('plan', 'closed_at')
    op.drop_column('plan', 'state')
