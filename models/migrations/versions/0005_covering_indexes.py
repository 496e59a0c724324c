"""Covering indexes for the Cruscotto's queries: the sums of spend up to a semester and the counts of a semester's
reports by state read only indexes, not the rows of report, spend and objective (size 100: the Cruscotto's queries
right after a save from about 160 to 80 ms on a loaded machine). The new report index on (semester_id, state,
objective_id) starts with the columns of ix_report_semester_state, which it replaces.

Revision ID: 0005_covering_indexes
Revises: 0004_successive_plans
Create Date: 2026-12-07 07:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0005_covering_indexes'
down_revision: str | Sequence[str] | None = '0004_successive_plans'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (  # name, table, columns
    ('ix_report_semester_state_objective', 'report', ['semester_id', 'state', 'objective_id']),
    ('ix_report_objective_state_semester', 'report', ['objective_id', 'state', 'semester_id']),
    ('ix_spend_report_amounts', 'spend', ['report_id', 'source', 'committed', 'paid']),
    ('ix_objective_area_live', 'objective', ['area_id', 'retired', 'kind']),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)
    op.drop_index('ix_report_semester_state', table_name='report')


def downgrade() -> None:
    op.create_index('ix_report_semester_state', 'report', ['semester_id', 'state'], unique=False)
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
