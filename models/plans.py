"""Successive plans in one database: which plans there are, which one is current, which plan a semester or an
objective belongs to. Read-only; closing a plan and linking objectives across plans: models/plan_closing.py.

- Plans never share a year (the loader refuses an overlap), so a semester belongs to the plan whose years
  contain it: no column to keep in step, and every semester-keyed figure is already scoped to one plan.
- The *current* plan is the earliest plan still in progress: data entry, review and new semesters use it
  until it is closed, so loading the next plan (2028-2030) early never strands the last semester of the
  running one. With every plan closed, the latest is current (it stays readable).
- Every page that shows "the plan" takes a plan id; without one it shows the current plan.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from models.errors import NotFound
from models.tables import Card, MacroArea, Objective, Plan, Semester, pk
from models.vocab import PLAN_STATE_LABELS, PlanState


@dataclass(frozen=True)
class PlanInfo:
    id: int
    title: str
    ambito: str
    first_year: int
    last_year: int
    state: str
    closed_at: datetime | None

    @property
    def years(self) -> str:
        return f"{self.first_year}-{self.last_year}"

    @property
    def label(self) -> str:
        """The selector's label: "Piano 2025-2027 (in corso)"."""
        return f"Piano {self.years} ({PLAN_STATE_LABELS[PlanState(self.state)]})"

    @property
    def closed(self) -> bool:
        return self.state == PlanState.CHIUSO

    def holds(self, year: int) -> bool:
        return self.first_year <= year <= self.last_year


def plan_info(plan: Plan) -> PlanInfo:
    return PlanInfo(pk(plan), plan.title, plan.ambito, plan.first_year, plan.last_year, plan.state, plan.closed_at)


def list_plans(*, session: Session) -> list[PlanInfo]:
    """Every plan, oldest first."""
    return [plan_info(p) for p in session.exec(select(Plan).order_by(col(Plan.first_year)))]


def current_plan_row(session: Session) -> Plan | None:
    """The earliest plan in progress, else the latest plan; None in an empty database."""
    running = session.exec(select(Plan).where(Plan.state == PlanState.IN_CORSO).order_by(col(Plan.first_year))).first()
    return running or session.exec(select(Plan).order_by(col(Plan.first_year).desc())).first()


def current_plan(*, session: Session) -> PlanInfo | None:
    plan = current_plan_row(session)
    return plan_info(plan) if plan is not None else None


def plan_row(session: Session, plan_id: int | None) -> Plan | None:
    """The plan of that id, or the current plan when `plan_id` is None (None only in an empty database)."""
    if plan_id is None:
        return current_plan_row(session)
    plan = session.get(Plan, plan_id)
    if plan is None:
        raise NotFound("Piano non trovato.")
    return plan


def plan_by_id(plan_id: int | None, *, session: Session) -> PlanInfo | None:
    plan = plan_row(session, plan_id)
    return plan_info(plan) if plan is not None else None


def plan_of_year(session: Session, year: int) -> Plan | None:
    return session.exec(select(Plan).where(Plan.first_year <= year, Plan.last_year >= year)).first()


def plan_id_of_semester(session: Session, semester_id: int) -> int | None:
    """The plan whose years hold the semester (None: a semester outside every plan)."""
    sem = session.get(Semester, semester_id)
    if sem is None:
        raise NotFound("Semestre non trovato.")
    plan = plan_of_year(session, sem.year)
    return pk(plan) if plan is not None else None


def previous_plan(session: Session, plan: Plan) -> Plan | None:
    return session.exec(
        select(Plan).where(Plan.last_year < plan.first_year).order_by(col(Plan.last_year).desc())
    ).first()


def next_plan(session: Session, plan: Plan) -> Plan | None:
    return session.exec(select(Plan).where(Plan.first_year > plan.last_year).order_by(col(Plan.first_year))).first()


# --- SQL conditions: one way to scope a query to a plan ------------------------------------------


def semesters_of(plan: Plan | PlanInfo | None) -> tuple[Any, ...]:
    """WHERE clauses: the semesters of the plan's years (none when there is no plan: every semester)."""
    if plan is None:
        return ()
    return (col(Semester.year) >= plan.first_year, col(Semester.year) <= plan.last_year)


def objectives_of(plan_id: int | None) -> tuple[Any, ...]:
    """WHERE clauses: the objectives of the plan (through their area; none when there is no plan)."""
    if plan_id is None:
        return ()
    return (col(Objective.area_id).in_(select(MacroArea.id).where(MacroArea.plan_id == plan_id)),)


def areas_of(plan_id: int | None) -> tuple[Any, ...]:
    """WHERE clauses on MacroArea: the plan's areas (none when there is no plan)."""
    return () if plan_id is None else (MacroArea.plan_id == plan_id,)


def cards_of(plan_id: int | None) -> tuple[Any, ...]:
    """WHERE clauses on Card: the plan's cards (none when there is no plan)."""
    return () if plan_id is None else (Card.plan_id == plan_id,)


def objectives_of_semester(session: Session, semester_id: int) -> tuple[Any, ...]:
    """WHERE clauses: the objectives of the plan the semester belongs to."""
    return objectives_of(plan_id_of_semester(session, semester_id))


def lineage(session: Session, objective_id: int) -> list[int]:
    """The objective and its predecessors in earlier plans, newest first (a trend across plans reads them all)."""
    out = [objective_id]
    current = session.get(Objective, objective_id)
    while current is not None and current.predecessor_id is not None and current.predecessor_id not in out:
        out.append(current.predecessor_id)
        current = session.get(Objective, current.predecessor_id)
    return out
