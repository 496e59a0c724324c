"""The rules every figure depends on, each defined once: screens, exports and the demo generator call these.

A rule that a query needs is given twice, side by side and nowhere else: as a pure function (what the entry form
computes live, before anything is saved) and as its SQL expression (what the Cruscotto aggregates). The
property-based test (tests/test_same_figures.py) checks that both give the same answer on random plans.

- Action counts: planned = the objective's *active* actions; done = active actions marked *realizzata* in the
  report. A retired action that still has a state in an old report is reported apart ("1 azione ritirata non
  conteggiata"), never counted: retiring an action changes every report's figures at once, because nothing
  derived is stored (see models/dashboard.py).
- Monitored objective: a live (not retired) *specific* objective; general objectives are headings.
- Still with the lead: no report yet, a draft, or a report sent back.
- Semester order: year then half, as one integer (`semester_ordinal`), in Python and in SQL.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ScalarSelect, and_, func
from sqlalchemy import select as sa_select
from sqlmodel import col

from models import scoring
from models.tables import Action, ActionStatus, Objective, Semester
from models.vocab import ActionState, ObjectiveKind, ReportState

# --- action counts ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ActionCount:
    done: int
    planned: int
    retired: int = 0  # retired actions that still have a state in the report: shown apart, never counted

    @property
    def achievement(self) -> float | None:
        return scoring.objective_achievement(self.done, self.planned)

    @property
    def band_label(self) -> str:
        return scoring.band_label(self.achievement)

    @property
    def text(self) -> str:
        """ "2 su 3", and the retired ones apart: "2 su 3 (1 azione ritirata non conteggiata)"."""
        return f"{self.done} su {self.planned}" + (f" ({retired_note(self.retired)})" if self.retired else "")


def retired_note(n: int) -> str:
    return f"{n} azione ritirata non conteggiata" if n == 1 else f"{n} azioni ritirate non conteggiate"


def count_actions(actions: Iterable[tuple[int, bool]], states: Mapping[int, str]) -> ActionCount:
    """Counts from (action id, retired) pairs and the report's states by action id (missing: no state)."""
    done = planned = retired = 0
    for action_id, is_retired in actions:
        state = states.get(action_id)
        if is_retired:
            retired += state is not None
            continue
        planned += 1
        done += state == ActionState.REALIZZATA
    return ActionCount(done=done, planned=planned, retired=retired)


def done_actions_sql(report_id: Any) -> ScalarSelect[int]:
    """SQL: active actions marked realizzata in the report `report_id` (a column or a value)."""
    return (
        sa_select(func.count(col(ActionStatus.id)))
        .join(Action, col(Action.id) == ActionStatus.action_id)
        .where(
            col(ActionStatus.report_id) == report_id,
            col(Action.retired) == False,
            col(ActionStatus.state) == ActionState.REALIZZATA,
        )
        .scalar_subquery()
    )


def retired_actions_sql(report_id: Any) -> ScalarSelect[int]:
    """SQL: retired actions that still have a state in the report `report_id` (reported apart)."""
    return (
        sa_select(func.count(col(ActionStatus.id)))
        .join(Action, col(Action.id) == ActionStatus.action_id)
        .where(col(ActionStatus.report_id) == report_id, col(Action.retired) == True)
        .scalar_subquery()
    )


def planned_actions_sql(objective_id: Any) -> ScalarSelect[int]:
    """SQL: active actions of the objective `objective_id` (a column or a value)."""
    return (
        sa_select(func.count(col(Action.id)))
        .where(col(Action.objective_id) == objective_id, col(Action.retired) == False)
        .scalar_subquery()
    )


# --- objectives and reports -------------------------------------------------------------------

MONITORED_SQL = and_(col(Objective.retired) == False, col(Objective.kind) == ObjectiveKind.SPECIFICO)

# Reports that the lead still has to complete: no report (None), a draft, or one sent back.
WITH_LEAD: tuple[str | None, ...] = (None, ReportState.BOZZA, ReportState.DA_RIVEDERE)


def is_with_lead(state: str | None) -> bool:
    return state in WITH_LEAD


def is_overdue(state: str | None, late: bool) -> bool:
    """Past the deadline and still with the lead."""
    return late and is_with_lead(state)


# --- semesters --------------------------------------------------------------------------------


def semester_ordinal(year: int, half: int) -> int:
    """Semesters in time order as one integer (2025 H2 < 2026 H1)."""
    return year * 2 + half


def semester_of_ordinal(ordinal: int) -> tuple[int, int]:
    """(year, half) back from semester_ordinal."""
    half = 1 if ordinal % 2 else 2
    return (ordinal - half) // 2, half


def next_semester(year: int, half: int) -> tuple[int, int]:
    return semester_of_ordinal(semester_ordinal(year, half) + 1)


SEMESTER_ORDINAL_SQL = col(Semester.year) * 2 + col(Semester.half)
SEMESTER_ORDER = (col(Semester.year), col(Semester.half))  # ORDER BY, oldest first
