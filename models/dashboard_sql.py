"""The Cruscotto's building blocks in SQL: semesters, bands, the budget of the monitored period and the spend,
which models.dashboard combines into what the page shows (what is counted: models.dashboard's docstring)."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from fractions import Fraction

from sqlalchemy import and_, case, func, literal, or_
from sqlmodel import Session, col, select

from models import plans, rules
from models.budget_rules import counted_budget_line
from models.dashboard_results import BudgetPeriod, Money, SemesterInfo, Tally
from models.errors import NotFound
from models.tables import (
    BudgetLine,
    Card,
    MacroArea,
    Objective,
    Report,
    Semester,
    Spend,
    pk,
)
from models.validation import MAX_EURO

SEMESTER_ORDINAL = rules.SEMESTER_ORDINAL_SQL
LIVE_SPECIFIC = (rules.MONITORED_SQL,)
LIVE_BUDGET = (
    BudgetLine.retired == False,
    or_(col(BudgetLine.objective_id).is_(None), col(Objective.retired) == False),
)


# --- building blocks --------------------------------------------------------------------------


def semester_options(*, session: Session, plan_id: int | None = None) -> list[SemesterInfo]:
    """The semesters of one plan (every semester when `plan_id` is None), oldest first."""
    plan = plans.plan_row(session, plan_id) if plan_id is not None else None
    rows = session.exec(select(Semester).where(*plans.semesters_of(plan)).order_by(*rules.SEMESTER_ORDER)).all()
    return [SemesterInfo(id=pk(s), year=s.year, half=s.half, state=s.state) for s in rows]


def same_plan_semesters(session: Session, semester_id: int) -> list[SemesterInfo]:
    """The semesters of the plan the semester belongs to (every semester for one outside every plan)."""
    return semester_options(session=session, plan_id=plans.plan_id_of_semester(session, semester_id))


def semester_by_id(session: Session, semester_id: int) -> SemesterInfo:
    s = session.get(Semester, semester_id)
    if s is None:
        raise NotFound("Semestre non trovato.")
    return SemesterInfo(id=pk(s), year=s.year, half=s.half, state=s.state)


def budget_holder(objective_id: int | None, card_id: int) -> object:
    """Who a budget line belongs to: its objective, or its card when it has none."""
    return objective_id if objective_id is not None else ("card", card_id)


def period_label(
    semesters: list[tuple[int, int]],
    plan_semesters: int,
    plan_years: int,
    annual_years: list[int],
    plan_share_used: bool,
) -> tuple[str, str]:
    """(label, short label) of the budget period."""
    if not semesters:
        return "nessun semestre monitorato", "nessun semestre"
    whole = "triennio" if plan_years == 3 else "piano"
    quota = "" if len(semesters) == plan_semesters else f"{len(semesters)}/{plan_semesters}"
    plan_part = f"budget del {whole}" + (f" pro quota {quota}" if quota else "")
    plan_short = whole + (f", {quota}" if quota else "")
    if not annual_years:
        return plan_part, plan_short
    halves = {y: sum(1 for yy, _h in semesters if yy == y) for y in annual_years}
    years = " + ".join(str(y) if halves[y] == 2 else f"{y} pro quota 1/2" for y in annual_years)
    years_short = " + ".join(str(y) if halves[y] == 2 else f"½ {y}" for y in annual_years)
    if plan_share_used:
        return f"budget {years} dove fissato, altrimenti {plan_part}", f"{years_short} o {plan_short}"
    return f"budget {years}", years_short


def budget_period(*, session: Session, semester_id: int) -> BudgetPeriod:
    """The period monitored up to this semester, which lines' budget it uses, and its label."""
    sem = semester_by_id(session, semester_id)
    plan = plans.plan_of_year(session, sem.year) or plans.current_plan_row(session)
    rows = [(s.year, s.half) for s in semester_options(session=session) if s.ordinal <= sem.ordinal]
    if plan is not None:
        rows = [(y, h) for y, h in rows if plan.first_year <= y <= plan.last_year]
        plan_semesters, plan_years = (plan.last_year - plan.first_year + 1) * 2, plan.last_year - plan.first_year + 1
    else:
        plan_semesters, plan_years = 0, 0
    years = {y for y, _h in rows}
    lines = session.exec(
        select(BudgetLine.objective_id, BudgetLine.card_id, BudgetLine.year)
        .outerjoin(Objective, col(Objective.id) == BudgetLine.objective_id)
        .join(Card, col(Card.id) == BudgetLine.card_id)
        .where(*LIVE_BUDGET, *plans.cards_of(plan.id if plan else None))
        .where(counted_budget_line(), col(BudgetLine.amount).is_not(None))
        .distinct()
    ).all()
    annual = frozenset((budget_holder(o, c), y) for o, c, y in lines if y in years)
    plan_share_used = any(
        y is None and any((budget_holder(o, c), yy) not in annual for yy in years) for o, c, y in lines
    )
    label, short = period_label(rows, plan_semesters, plan_years, sorted({y for _h, y in annual}), plan_share_used)
    return BudgetPeriod(
        semesters=tuple(rows),
        plan_semesters=plan_semesters,
        annual=annual,
        label=label,
        short_label=short,
        plan_id=plan.id if plan else None,
    )


def all_areas(session: Session, plan_id: int | None = None) -> list[MacroArea]:
    """The plan's macro-areas in catalogue order (every area when `plan_id` is None)."""
    return list(session.exec(select(MacroArea).where(*plans.areas_of(plan_id)).order_by(col(MacroArea.position))))


def band_rows(session: Session, semester_ids: Iterable[int], states: tuple[str, ...]) -> list[tuple]:
    """(area id, semester_id, state, done, planned, n) for counted reports of monitored objectives.

    Each report's counts come from the rules' SQL (active actions only), then reports with equal counts are
    grouped: the Python side sees one row per (area, semester, state, done, planned)."""
    per_report = (
        # sqlmodel.select is typed for up to 4 columns
        select(  # type: ignore[call-overload]
            col(Objective.area_id).label("area_id"),
            col(Report.semester_id).label("semester_id"),
            col(Report.state).label("state"),
            rules.done_actions_sql(Report.id).label("done"),
            rules.planned_actions_sql(Report.objective_id).label("planned"),
        )
        .join(Objective, Objective.id == Report.objective_id)
        .where(col(Report.semester_id).in_(list(semester_ids)), col(Report.state).in_(states), *LIVE_SPECIFIC)
        .subquery()
    )
    c = per_report.c
    # sqlmodel.select is typed for up to 4 columns
    stmt = select(c.area_id, c.semester_id, c.state, c.done, c.planned, func.count()).group_by(  # type: ignore[call-overload]
        c.area_id, c.semester_id, c.state, c.done, c.planned
    )
    return [
        (area, sem, state, int(done or 0), int(planned or 0), n)
        for area, sem, state, done, planned, n in session.exec(stmt)
    ]


def tally_by(rows: Iterable[tuple]) -> dict:
    out: dict = defaultdict(Tally)
    for key, _sem, state, done, planned, n in rows:
        out[key].add(state, done, planned, n)
    return out


def budget_by(session: Session, key, period: BudgetPeriod) -> dict:
    """key -> (the period's share of the amounts, lines without amount, lines with amount) over live, counted
    budget lines."""
    # count(*) - count(amount) = lines without an amount (portable: no IIF/FILTER); grouped by holder and
    # year too, as each holder's year decides the period's share of its lines.
    stmt = (
        # sqlmodel.select is typed for up to 4 columns
        select(  # type: ignore[call-overload]
            key,
            BudgetLine.objective_id,
            BudgetLine.card_id,
            BudgetLine.year,
            func.coalesce(func.sum(BudgetLine.amount), 0.0),
            func.count(col(BudgetLine.id)) - func.count(col(BudgetLine.amount)),
            func.count(col(BudgetLine.amount)),
        )
        .select_from(BudgetLine)
        .join(Card, Card.id == BudgetLine.card_id)
        .outerjoin(Objective, Objective.id == BudgetLine.objective_id)
        .where(*LIVE_BUDGET, counted_budget_line(), *plans.cards_of(period.plan_id))
        .group_by(key, BudgetLine.objective_id, BudgetLine.card_id, BudgetLine.year)
    )
    sums: dict = {}
    for k, objective_id, card_id, year, total, missing, known in session.exec(stmt):
        weight = period.weight(budget_holder(objective_id, card_id), year)
        amount = float(total or 0)
        # exact for a typed amount; a non-finite one (stored before the input checks) stays what it is
        share = Fraction(repr(amount)) * weight if math.isfinite(amount) else amount * float(weight)
        old = sums.get(k, (Fraction(0), 0, 0))
        sums[k] = (old[0] + share, old[1] + int(missing or 0), old[2] + int(known or 0))
    # Shares added exactly and rounded to a float once: 22,65 € × 1/6 is 3,775 € (3,78 €), where float arithmetic
    # gave 3,7749999… (3,77 €) on one screen and 3,775 on another.
    return {k: (float(share), missing, known) for k, (share, missing, known) in sums.items()}


# A stored spend row whose amounts are plausible (validation.plausible_amount, in SQL). Rows written before the
# input checks (1e308, infinity) are left out of every sum, so sums stay finite on both databases (PostgreSQL
# refuses to add 1e308 twice), and their group's figures become NaN: shown as "valore non valido".
VALID_SPEND = and_(
    col(Spend.committed) >= 0, col(Spend.committed) <= MAX_EURO, col(Spend.paid) >= 0, col(Spend.paid) <= MAX_EURO
)


def spend_by(session: Session, up_to: int, states: tuple[str, ...], *keys, plan_id: int | None = None) -> list[tuple]:
    """(*keys, committed, paid) summed over counted reports of semesters up to ordinal `up_to` (of the plan's
    objectives, when given); both NaN for a group with a stored value that is not a plausible amount."""
    stmt = (
        # sqlmodel.select is typed for up to 4 columns
        select(  # type: ignore[call-overload]
            *keys,
            func.coalesce(func.sum(case((VALID_SPEND, Spend.committed))), 0.0),
            func.coalesce(func.sum(case((VALID_SPEND, Spend.paid))), 0.0),
            func.count(case((VALID_SPEND, None), else_=literal(1))),
        )
        .select_from(Spend)
        .join(Report, Report.id == Spend.report_id)
        .join(Semester, Semester.id == Report.semester_id)
        .join(Objective, Objective.id == Report.objective_id)
        .where(col(Report.state).in_(states), SEMESTER_ORDINAL <= up_to, Objective.retired == False)
        .where(*plans.objectives_of(plan_id))
        .group_by(*keys)
    )
    return [(*row[:-3], math.nan, math.nan) if row[-1] else tuple(row[:-1]) for row in session.exec(stmt)]


def counted_spend_ids(*, session: Session, semester_id: int, states: tuple[str, ...]) -> list[int]:
    """The spend rows of the semester itself (not the earlier ones) that the Cruscotto counts, by id."""
    sem = semester_by_id(session, semester_id)
    plan_id = plans.plan_id_of_semester(session, semester_id)
    return [
        sid
        for sid, ordinal, _c, _p in spend_by(session, sem.ordinal, states, Spend.id, SEMESTER_ORDINAL, plan_id=plan_id)
        if ordinal == sem.ordinal
    ]


def money_by(budget: dict, spend: Iterable[tuple]) -> dict:
    out: dict = defaultdict(Money)
    for key, (total, missing, known) in budget.items():
        out[key].budget, out[key].budget_missing, out[key].budget_amounts = total, missing, known
    for key, committed, paid in spend:
        out[key].committed += float(committed)
        out[key].paid += float(paid)
        out[key].reported = True
    return out


def monitored_objectives(session: Session, key, plan_id: int | None = None) -> dict:
    stmt = select(key, func.count(col(Objective.id))).where(*LIVE_SPECIFIC, *plans.objectives_of(plan_id)).group_by(key)
    return dict(session.exec(stmt).all())
