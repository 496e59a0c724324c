"""The lead's path through a semester: which objective to open first, what a new report starts from (carry
forward), each source's budget and earlier spend beside its spend line, and the completeness check before
sending. Pure functions take plain values; the `*_for` functions read what they need with `*, session`.

Decisions:
- "Still with the lead" is models.rules.is_with_lead (no report yet, a draft, or sent back): Inserimento
  never opens on a submitted or approved report when something else is to do.
- Carry forward takes, per action, the state of the latest *approved* report of an earlier semester (what the
  office accepted), never a draft or a report still under review; an action never approved starts as
  "non avviata". Earlier means earlier in time, so a backfilled 2025 semester does not inherit from 2026.
- Earlier spend beside a source counts approved reports of earlier semesters only, as the Cruscotto does.
- Completeness is advice, not validation: a lead may send an incomplete report by writing why (the note is
  stored with the report and shown to the reviewer).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from models.rules import SEMESTER_ORDINAL_SQL, is_with_lead
from models.rules import semester_ordinal as ordinal
from models.tables import Action, ActionStatus, BudgetLine, Report, Semester, Spend
from models.vocab import ActionState, ReportState, semester_label


def first_needing_lead(rows: Iterable[Mapping[str, Any]]) -> int | None:
    """Id of the first objective (in the given, catalogue order) whose report is still with the lead."""
    return next((r["id"] for r in rows if is_with_lead(r["state"])), None)


# --- carry forward ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PastActionState:
    action_id: int
    ordinal: int  # of the semester the state was approved in
    semester: str  # its label
    state: str


def carried_states(history: Iterable[PastActionState], before: int) -> dict[int, PastActionState]:
    """Per action, its latest approved state in a semester before ordinal `before`."""
    out: dict[int, PastActionState] = {}
    for item in history:
        if item.ordinal < before and (item.action_id not in out or item.ordinal > out[item.action_id].ordinal):
            out[item.action_id] = item
    return out


def approved_action_history(objective_id: int, *, session: Session) -> list[PastActionState]:
    """Every action state of the objective's approved reports, with its semester."""
    rows = session.exec(
        select(ActionStatus.action_id, Semester.year, Semester.half, ActionStatus.state)
        .join(Report, col(Report.id) == ActionStatus.report_id)
        .join(Semester, col(Semester.id) == Report.semester_id)
        .join(Action, col(Action.id) == ActionStatus.action_id)
        .where(Report.objective_id == objective_id, Report.state == ReportState.APPROVATA)
    )
    return [PastActionState(a, ordinal(y, h), semester_label(y, h), s) for a, y, h, s in rows]


def carried_states_for(objective_id: int, year: int, half: int, *, session: Session) -> dict[int, PastActionState]:
    return carried_states(approved_action_history(objective_id, session=session), ordinal(year, half))


def starting_state(action_id: int, carried: Mapping[int, PastActionState]) -> str:
    item = carried.get(action_id)
    return item.state if item else ActionState.NON_AVVIATA


# --- each source's budget and earlier spend -----------------------------------------------------


@dataclass(frozen=True)
class SourceContext:
    budget: float | None  # the objective's live budget lines for this source, any year (None: no amount)
    committed_before: float
    paid_before: float


def source_context(
    budget_lines: Iterable[tuple[str | None, float | None]], earlier_spend: Iterable[tuple[str, float, float]]
) -> dict[str, SourceContext]:
    """Per source: budget (sum of stated amounts) and spend summed over earlier semesters."""
    budget: dict[str, float | None] = {}
    for source, amount in budget_lines:
        if source is None:
            continue
        if amount is not None:
            budget[source] = (budget.get(source) or 0.0) + amount
        else:
            budget.setdefault(source, None)
    spent: dict[str, tuple[float, float]] = {}
    for source, committed, paid in earlier_spend:
        c, p = spent.get(source, (0.0, 0.0))
        spent[source] = (c + float(committed or 0), p + float(paid or 0))
    return {s: SourceContext(budget.get(s), *spent.get(s, (0.0, 0.0))) for s in {*budget, *spent}}


def source_context_for(objective_id: int, year: int, half: int, *, session: Session) -> dict[str, SourceContext]:
    lines = session.exec(
        select(BudgetLine.source, BudgetLine.amount).where(
            BudgetLine.objective_id == objective_id, BudgetLine.retired == False
        )
    )
    spend = session.exec(
        select(Spend.source, func.sum(Spend.committed), func.sum(Spend.paid))
        .join(Report, col(Report.id) == Spend.report_id)
        .join(Semester, col(Semester.id) == Report.semester_id)
        .where(
            Report.objective_id == objective_id,
            Report.state == ReportState.APPROVATA,
            SEMESTER_ORDINAL_SQL < ordinal(year, half),
        )
        .group_by(Spend.source)
    )
    return source_context(list(lines), list(spend))


# --- completeness before sending ----------------------------------------------------------------


@dataclass(frozen=True)
class Completeness:
    indicators_without_value: list[str] = field(default_factory=list)
    sources_without_spend: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.indicators_without_value and not self.sources_without_spend

    @property
    def summary(self) -> str:
        """'3 indicatori senza valore, 1 fonte senza spesa' (empty when complete)."""
        parts = []
        if n := len(self.indicators_without_value):
            parts.append(f"{n} {'indicatore' if n == 1 else 'indicatori'} senza valore")
        if n := len(self.sources_without_spend):
            parts.append(f"{n} {'fonte' if n == 1 else 'fonti'} senza spesa")
        return ", ".join(parts)


def _blank(raw: Any) -> bool:
    if raw is None:
        return True
    if isinstance(raw, bool):
        return False
    if isinstance(raw, str):
        return raw.strip() in ("", "—")
    return False


def _zero(raw: Any) -> bool:
    if _blank(raw):
        return True
    if isinstance(raw, (int, float)):
        return raw == 0
    text = str(raw).strip().replace(".", "").replace(",", "").replace("0", "")
    return text == ""  # "0", "0,00", "0.000,00": nothing spent; anything else counts (validation judges it)


def completeness(indicators: Iterable[tuple[str, Any]], spend: Iterable[tuple[str, Any, Any]]) -> Completeness:
    """Which indicators have no value and which of the report's sources record no spend at all.

    `indicators`: (name, raw value as typed); `spend`: (source name, committed as typed, paid as typed).
    """
    return Completeness(
        indicators_without_value=[name for name, raw in indicators if _blank(raw)],
        sources_without_spend=[name for name, committed, paid in spend if _zero(committed) and _zero(paid)],
    )


__all__ = [
    "Completeness",
    "PastActionState",
    "SourceContext",
    "carried_states",
    "carried_states_for",
    "completeness",
    "first_needing_lead",
    "source_context",
    "source_context_for",
    "starting_state",
]
