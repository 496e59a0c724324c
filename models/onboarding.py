"""What the Ufficio di Piano still has to set up, computed from the data: shown on the landing page after the
first login (and until done), instead of a generic overview.

Three steps, in the order a new installation needs them: the leads who enter data, the targets and budgets the
figures are measured against, the semesters of the plan's period so far (past ones to backfill).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, col, select

from models import plans, rules
from models.semesters import semester_of
from models.tables import BudgetLine, Card, Indicator, IndicatorTarget, MacroArea, Objective, Semester, User, UserArea
from models.vocab import Role, Unit, plural, semester_label


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    detail: str
    page: str  # key of the page where it is done (components.navigation)
    done: bool


def _areas_without_lead(session: Session, plan_id: int | None) -> list[str]:
    monitored = set(
        session.exec(
            select(MacroArea.letter)
            .join(Objective, col(Objective.area_id) == MacroArea.id)
            .where(rules.MONITORED_SQL, *plans.objectives_of(plan_id))
        )
    )
    led = set(
        session.exec(
            select(UserArea.area_letter)
            .join(User, col(User.id) == UserArea.user_id)
            .where(User.active == True, User.role == Role.REFERENTE)
        )
    )
    order = {letter: pos for letter, pos in session.exec(select(MacroArea.letter, MacroArea.position))}
    return sorted(monitored - led, key=lambda letter: order.get(letter, 0))


def _indicators_without_target(session: Session, year: int, plan_id: int | None) -> int:
    with_target = select(IndicatorTarget.indicator_id).where(
        IndicatorTarget.year == year, col(IndicatorTarget.target).is_not(None)
    )
    return session.exec(
        select(func.count(col(Indicator.id)))
        .join(Objective, col(Objective.id) == Indicator.objective_id)
        .where(
            Indicator.retired == False,
            Objective.retired == False,
            Indicator.unit != Unit.TESTO,
            col(Indicator.id).not_in(with_target),
            *plans.objectives_of(plan_id),
        )
    ).one()


def _budget_lines_without_amount(session: Session, plan_id: int | None) -> int:
    of_plan = () if plan_id is None else (col(BudgetLine.card_id).in_(select(Card.id).where(Card.plan_id == plan_id)),)
    return session.exec(
        select(func.count(col(BudgetLine.id))).where(
            BudgetLine.retired == False,
            col(BudgetLine.amount).is_(None),
            *of_plan,
        )
    ).one()


def semesters_to_open(session: Session, today: date) -> list[tuple[int, int]]:
    """Semesters of the current plan's period from its start up to today's not open yet (oldest first)."""
    plan = plans.current_plan_row(session)
    if plan is None:
        return []
    now = rules.semester_ordinal(*semester_of(today))
    opened = set(session.exec(select(Semester.year, Semester.half)))
    wanted = [
        (y, h)
        for y in range(plan.first_year, plan.last_year + 1)
        for h in (1, 2)
        if rules.semester_ordinal(y, h) <= now
    ]
    return [s for s in wanted if tuple(s) not in opened]


def next_steps(*, session: Session, today: date | None = None) -> list[Step]:
    """The set-up steps with what is missing in each (done ones included, marked)."""
    today = today or date.today()
    plan = plans.current_plan_row(session)
    year = min(max(today.year, plan.first_year), plan.last_year) if plan else today.year
    plan_id = plan.id if plan else None
    no_lead = _areas_without_lead(session, plan_id)
    no_target = _indicators_without_target(session, year, plan_id)
    no_amount = _budget_lines_without_amount(session, plan_id)
    missing = semesters_to_open(session, today)
    return [
        Step(
            "leads",
            "Creare i referenti dei Gruppi di Lavoro",
            ("Aree con obiettivi ma senza un referente attivo: " + ", ".join(no_lead) + ".")
            if no_lead
            else "Ogni area con obiettivi ha un referente attivo.",
            "utenti",
            not no_lead,
        ),
        Step(
            "targets",
            "Impostare target e budget",
            (
                f"{plural(no_target, 'indicatore numerico', 'indicatori numerici')} senza target per il {year}; "
                f"{plural(no_amount, 'voce di budget', 'voci di budget')} senza importo."
            )
            if no_target or no_amount
            else f"Target del {year} e importi del budget impostati.",
            "impostazione",
            not no_target and not no_amount,
        ),
        Step(
            "semesters",
            "Aprire i semestri da recuperare",
            (
                "Semestri del piano non ancora aperti: "
                + ", ".join(semester_label(y, h) for y, h in missing)
                + ". Aprirli permette di registrare anche i dati passati."
            )
            if missing
            else "Tutti i semestri del piano fino a oggi sono aperti.",
            "impostazione",
            not missing,
        ),
    ]
