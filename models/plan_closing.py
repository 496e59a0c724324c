"""Closing a plan, and linking an objective to its predecessor in the previous plan (Ufficio di Piano only).

Closing writes the plan's final results, in the regional grid's terms, as the history page of the next plan
(HistoricalOutcome rows, the same form as the document's 2021-2023 outcomes): one row per monitored objective
of the plan's last semester, from its counted (approved) report. The figures are the Cruscotto's
(dashboard.objective_rows), so the history says what the Comitato saw. When the next plan is not loaded yet
the rows wait for it (plan_id None; models/plan_loader.py attaches them when it creates the next plan).
A plan closes once, with every semester closed and no report waiting for review: one transaction.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlmodel import Session, col, select

from models import dashboard, plans, scoring
from models.audit import record_change
from models.db import bump_data_change
from models.errors import InputRefused, NotFound
from models.permissions import Actor, require_office
from models.tables import Card, HistoricalOutcome, MacroArea, Objective, Plan, Report, Semester, pk, utcnow
from models.vocab import PLAN_STATE_LABELS, PlanState, ReportState, SemesterState, semester_label

log = logging.getLogger("pdz.plan_closing")
NOT_RELEVANT = "non pertinente"  # the grid's word for a users' assessment that does not apply


def close_plan(plan_id: int, *, actor: Actor, session: Session) -> int:
    """Close the plan and write its final results as the next plan's history; returns the outcomes written."""
    require_office(actor, "la chiusura del piano")
    plan = session.get(Plan, plan_id)
    if plan is None:
        raise NotFound("Piano non trovato.")
    years = f"{plan.first_year}-{plan.last_year}"
    if plan.state == PlanState.CHIUSO:
        raise InputRefused(f"Il piano {years} è già chiuso.")
    semesters = list(
        session.exec(select(Semester).where(*plans.semesters_of(plan)).order_by(col(Semester.year), col(Semester.half)))
    )
    still_open = [semester_label(s.year, s.half) for s in semesters if s.state == SemesterState.APERTO]
    if still_open:
        raise InputRefused(
            f"Il piano {years} non si può chiudere: è ancora aperto il {', '.join(still_open)}. Chiudere prima i "
            "semestri (pagina Revisione semestrale)."
        )
    waiting = session.exec(
        select(Report.id).where(
            col(Report.semester_id).in_([pk(s) for s in semesters]), Report.state == ReportState.INVIATA
        )
    ).all()
    if waiting:
        raise InputRefused(
            f"Il piano {years} non si può chiudere: {len(waiting)} report aspettano la revisione dell'Ufficio di Piano."
        )
    if not semesters:
        raise InputRefused(f"Il piano {years} non si può chiudere: nessun semestre è stato monitorato.")
    written = write_final_results(session, plan, pk(semesters[-1]))
    plan.state, plan.closed_at = PlanState.CHIUSO, utcnow()
    record_change(
        session,
        actor,
        entity="plan",
        entity_id=pk(plan),
        field="stato",
        old=PLAN_STATE_LABELS[PlanState.IN_CORSO],
        new=PLAN_STATE_LABELS[PlanState.CHIUSO],
        reason=f"{written} esiti finali per la pagina storica del piano successivo",
    )
    bump_data_change(session)
    log.info("plan %s closed by %s: %d final outcomes", years, actor.username, written)
    return written


def write_final_results(session: Session, plan: Plan, last_semester_id: int) -> int:
    """One HistoricalOutcome per monitored objective of the plan's last semester, for the next plan's page."""
    following = plans.next_plan(session, plan)
    rows = dashboard.objective_rows(session=session, semester_id=last_semester_id, include_submitted=False)
    reports = {
        r.objective_id: r
        for r in session.exec(
            select(Report).where(
                Report.semester_id == last_semester_id, col(Report.objective_id).in_([r.id for r in rows])
            )
        )
    }
    titles = dict(session.exec(select(MacroArea.letter, MacroArea.title).where(MacroArea.plan_id == plan.id)).all())
    carried = {
        o.id: o.predecessor_id is not None
        for o in session.exec(select(Objective).where(col(Objective.id).in_([r.id for r in rows])))
    }
    for position, row in enumerate(rows):
        band = scoring.band_or_none(row.achievement)
        spend = scoring.spend_class(row.money.ratio)
        report = reports.get(row.id)
        counted = report is not None and row.counted
        session.add(
            HistoricalOutcome(
                plan_id=pk(following) if following else None,
                closed_plan_id=pk(plan),
                source_objective_id=row.id,
                area_letter=row.area,
                area_title=titles.get(row.area, ""),
                objective=f"{row.code} – {row.text}",
                output=f"Azioni realizzate: {row.actions.text}" if counted else "",
                achievement_range=band.range_label if band else "",
                band=band.name.lower() if band else None,
                users_assessment=(NOT_RELEVANT if report.users_not_relevant else report.users_assessment)
                if counted and report
                else "",
                resource_adequacy=report.resource_adequacy if counted and report else None,
                spend_class=spend.name.lower() if spend else None,
                critical_issues=report.critical_issues if counted and report else "",
                need_answered=report.need_answered if counted and report else None,
                need_reason=report.need_reason if counted and report else "",
                continuity_previous=carried.get(row.id),
                proposed_again=report.proposed_again if counted and report else None,
                proposed_reason=report.proposed_reason if counted and report else "",
                position=position,
            )
        )
    session.flush()
    return len(rows)


def plan_of_objective(session: Session, objective_id: int) -> Plan:
    found = session.exec(
        select(Plan)
        .join(Card, col(Card.plan_id) == Plan.id)
        .join(Objective, col(Objective.card_id) == Card.id)
        .where(Objective.id == objective_id)
    ).first()
    if found is None:
        raise NotFound("Obiettivo non trovato.")
    return found


@dataclass(frozen=True)
class PredecessorChoice:
    """What Impostazione piano offers for an objective: the previous plan's objectives, and the one linked."""

    current: int | None
    options: dict[int, str]  # objective id -> "A.1 · text" (empty: no previous plan)
    areas: dict[int, str]  # objective id -> its macro-area's letter in the previous plan


def predecessor_choice(objective_id: int, *, session: Session) -> PredecessorChoice:
    plan = plan_of_objective(session, objective_id)
    objective = session.get(Objective, objective_id)
    previous = plans.previous_plan(session, plan)
    if previous is None or objective is None:
        return PredecessorChoice(None, {}, {})
    rows = session.exec(
        select(Objective.id, Objective.code, Objective.text, MacroArea.letter)
        .join(Card, col(Card.id) == Objective.card_id)
        .join(MacroArea, col(MacroArea.id) == Card.area_id)
        .where(Card.plan_id == previous.id)
        .order_by(col(Card.position), col(Objective.position))
    ).all()
    options = {oid: f"{code} · {text[:80]}" for oid, code, text, _ in rows if oid is not None}
    areas = {oid: letter for oid, _, _, letter in rows if oid is not None}
    return PredecessorChoice(objective.predecessor_id, options, areas)


def link_predecessor(objective_id: int, predecessor_id: int | None, *, actor: Actor, session: Session) -> None:
    """Link an objective carried over to the same objective of the previous plan (None: unlink)."""
    require_office(actor, "il collegamento di un obiettivo al piano precedente")
    plan = plan_of_objective(session, objective_id)
    objective = session.get(Objective, objective_id)
    assert objective is not None
    old = objective.predecessor_id
    if predecessor_id is not None:
        previous = plans.previous_plan(session, plan)
        if previous is None or plan_of_objective(session, predecessor_id).id != previous.id:
            raise InputRefused(
                "Obiettivo precedente: va scelto un obiettivo del piano precedente "
                f"({previous.first_year}-{previous.last_year})."
                if previous
                else "Obiettivo precedente: nel database non c'è un piano precedente."
            )
    objective.predecessor_id = predecessor_id
    objective.version += 1
    record_change(
        session,
        actor,
        entity="objective",
        entity_id=objective_id,
        field="obiettivo precedente",
        old=old,
        new=predecessor_id,
        objective_id=objective_id,
    )
    bump_data_change(session)
