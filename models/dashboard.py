"""The Cruscotto's figures, aggregated in SQL (GROUP BY) and turned into the regional grid's terms.

What is counted (one rule each, in models/rules.py, shared by tiles, charts, exports, the review table and tests):
- Objectives: the plan's monitored objectives (rules.MONITORED_SQL: live *specific* objectives; general objectives
  are headings without actions; the entry form offers only specific ones).
- Achievement of one objective in a semester: its report's action counts (rules: active actions only; done =
  active actions marked realizzata; retired actions with a state are reported apart, never counted), then
  scoring.objective_achievement; a report with no planned actions is "non calcolabile".
  Nothing derived is stored: the counts are computed in every query (a correlated COUNT over actionstatus joined
  to active actions, per report, then GROUP BY). Chosen over "store and recompute on every plan change" because
  the plan changes in many places (Impostazione piano, the plan file reload, future imports) and one forgotten
  path leaves stale figures in front of the Comitato; the queries stay fast (indexes on actionstatus.report_id
  and action.objective_id; results cached until the next save). The report's two old count columns are
  neither written nor read any more (kept in the table only so existing databases need no migration).
- Reports: only those in the counted states, `approvata` or, on request, also `inviata` (then flagged).
- Overall / area achievement: the grid's formula on the summed actions, sum(done) x 100 / sum(planned).
- Budget: the budget of the period actually monitored (`budget_period`): the semesters opened in the app up
  to the chosen one, within the plan's years. For each budget holder (an objective, or a card's lines without
  objective) and each monitored semester: half of the holder's annual lines of that year where the office set
  them, otherwise the plan's lines (no year) pro rata, 1/6 per semester of a three-year plan. A plan started
  before the app, or backfilled only in part, is thus compared with what those semesters should have spent, not
  with the whole three-year budget. The period's label says which ("budget 2025", "budget del triennio pro
  quota 2/6"). Only lines that are the plan's budget (budget_rules.counted_budget_line: both origins; the
  document's past examples and forecasts never count); a line without an amount is left out and counted as
  missing. Lines of a card with no objective count towards the card's area (and their source) only.
  A budget with no counted amount at all is "da definire" (Money.budget_set False), never 0 €.
- Spend: rows of counted reports of live objectives (any kind: money is counted wherever it was recorded),
  summed over every semester up to and including the chosen one (each row holds one semester's spend).
- Spend ratio and class: scoring.spend_ratio / spend_class on cumulative paid vs the period's budget; the
  expected pace at the end of the chosen semester is then the whole period's budget (100 %), as in the grid.
  Per objective: objective_rows (also used by the Revisione table), so every screen gives one objective the
  same budget, committed, paid, ratio and class.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import and_, case, func, literal, or_
from sqlmodel import Session, col, select

from models import provenance, rules, scoring, vocab
from models.budget_rules import counted_budget_line
from models.formatting import INVALID_VALUE
from models.tables import (
    BudgetLine,
    Card,
    Indicator,
    IndicatorTarget,
    IndicatorValue,
    MacroArea,
    Objective,
    Plan,
    Report,
    Semester,
    Spend,
    SubArea,
    SubAreaValue,
    pk,
)
from models.validation import MAX_EURO
from models.vocab import FundingSource, ReportState, funding_label, semester_label

APPROVED_ONLY: tuple[str, ...] = (ReportState.APPROVATA,)
WITH_SUBMITTED: tuple[str, ...] = (ReportState.APPROVATA, ReportState.INVIATA)
CATEGORY_LABELS: tuple[str, ...] = (*scoring.BAND_LABELS, scoring.NOT_COMPUTABLE)  # five bands, then grey
STATE_ORDER: tuple[str, ...] = tuple(ReportState)
NO_REPORT = vocab.NO_REPORT  # a monitored objective with no report at all in the semester
NO_SPEND_DATA = vocab.NO_SPEND_DATA  # no counted spend line at all: not the same as zero spent


# What is counted, in the words of every chart subtitle, tile and report (False: approved only).
COUNTED_LABELS = {
    False: "Conteggiati solo i report approvati",
    True: "Conteggiati i report approvati e quelli inviati (in attesa di approvazione)",
}
COUNT_OPTIONS = {False: "Solo report approvati", True: "Anche report inviati (da approvare)"}  # the choice
COUNT_SHORT = {False: "solo report approvati", True: "anche inviati"}  # the projector's one-line header


def counted_states(include_submitted: bool) -> tuple[str, ...]:
    return WITH_SUBMITTED if include_submitted else APPROVED_ONLY


_SEMESTER_ORDINAL = rules.SEMESTER_ORDINAL_SQL
_LIVE_SPECIFIC = (rules.MONITORED_SQL,)
_LIVE_BUDGET = (
    BudgetLine.retired == False,
    or_(col(BudgetLine.objective_id).is_(None), col(Objective.retired) == False),
)


def safe_achievement(done: int, planned: int) -> float | None:
    """Grid achievement; inconsistent counts (done > planned) are shown as non calcolabile, never a crash
    in front of the Comitato (the entry form validates them on save)."""
    try:
        return scoring.objective_achievement(int(done), int(planned))
    except ValueError:
        return None


def category_of(achievement: float | None) -> str:
    """Band label, or NOT_COMPUTABLE."""
    return scoring.band_label(achievement)


# --- plain results ----------------------------------------------------------------------------


@dataclass(frozen=True)
class BudgetPeriod:
    """The budget period the spend is compared with (see the module docstring)."""

    semesters: tuple[tuple[int, int], ...]  # monitored (year, half) up to the chosen semester, in time order
    plan_semesters: int  # semesters in the plan's period (6 for 2025-2027)
    annual: frozenset[tuple[object, int]]  # (holder, year): holders whose annual lines of that year are used
    label: str  # "budget 2025", "budget del triennio pro quota 2/6", ...
    short_label: str = ""  # the same in a few words, for a tile under the word "Budget": "triennio, 2/6"

    @property
    def expected_share(self) -> float | None:
        """By the end of the chosen semester the whole period is over: all its budget should be paid."""
        return 100.0 if self.semesters else None

    def weight(self, holder: object, year: int | None) -> float:
        """Share of a line's amount that belongs to the period (annual lines: 1/2 per monitored semester of
        their year; plan lines: 1/plan_semesters per monitored semester without an annual budget)."""
        if year is not None:
            return sum(1 for y, _h in self.semesters if y == year) / 2
        if not self.plan_semesters:
            return 0.0
        return sum(1 for y, _h in self.semesters if (holder, y) not in self.annual) / self.plan_semesters


@dataclass(frozen=True)
class SemesterInfo:
    id: int
    year: int
    half: int
    state: str

    @property
    def label(self) -> str:
        return semester_label(self.year, self.half)

    @property
    def ordinal(self) -> int:
        return rules.semester_ordinal(self.year, self.half)


@dataclass
class Tally:
    """Counted reports by band (all five always present, plus non calcolabile) and their summed actions."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CATEGORY_LABELS, 0))
    done: int = 0
    planned: int = 0
    submitted: int = 0  # counted reports still in state `inviata` (not yet approved)

    def add(self, state: str, done: int, planned: int, n: int) -> None:
        self.counts[category_of(safe_achievement(done, planned))] += n
        self.done += done * n
        self.planned += planned * n
        if state == ReportState.INVIATA:
            self.submitted += n

    @property
    def reported(self) -> int:
        return sum(self.counts.values())

    @property
    def achievement(self) -> float | None:
        return safe_achievement(self.done, self.planned)

    @property
    def band(self) -> str:
        return category_of(self.achievement)


@dataclass
class Money:
    budget: float = 0.0
    budget_missing: int = 0  # budget lines without an amount (to be completed): left out of `budget`
    budget_amounts: int = 0  # counted budget lines with an amount: none means "da definire", not 0 €
    committed: float = 0.0
    paid: float = 0.0
    # At least one counted spend line: without any the spend is «nessun dato», not 0 % (an empty line in the
    # form is not stored, so a line of zeros is a real "zero spent").
    reported: bool = False

    @property
    def valid(self) -> bool:
        """False when a counted spend row holds a value that is not a plausible amount (see _spend)."""
        return math.isfinite(self.committed) and math.isfinite(self.paid)

    @property
    def budget_set(self) -> bool:
        """False when the plan states no amount: the budget is to be defined, not zero."""
        return self.budget_amounts > 0

    @property
    def planned(self) -> float | None:
        """The budget to show: None when it is to be defined (formatting.budget_euro prints that)."""
        return self.budget if self.budget_set else None

    @property
    def ratio(self) -> float | None:
        return scoring.spend_ratio(self.paid, self.budget) if self.budget and self.valid and self.reported else None

    @property
    def spend_class(self) -> str:
        if not self.valid:
            return INVALID_VALUE
        return scoring.spend_class_label(self.ratio) if self.reported else NO_SPEND_DATA


@dataclass
class Summary:
    semester: SemesterInfo
    states: tuple[str, ...]
    tally: Tally
    money: Money
    expected_share: float | None
    objectives: int  # monitored objectives in the plan
    report_states: dict[str, int]  # every report state, plus NO_REPORT, for this semester
    period: BudgetPeriod | None = None  # the budget the money is compared with, and its label


@dataclass
class AreaRow:
    letter: str
    title: str
    objectives: int
    tally: Tally
    money: Money


@dataclass
class SourceRow:
    code: str
    label: str
    money: Money


@dataclass
class TrendPoint:
    semester: str
    ordinal: int
    area: str  # letter, or "" for the whole plan
    achievement: float | None
    ratio: float | None
    expected_share: float | None


@dataclass
class ObjectiveRow:
    id: int
    code: str
    text: str
    state: str  # report state, or NO_REPORT
    counted: bool
    done: int
    planned: int
    money: Money
    area: str = ""
    retired: int = 0  # retired actions with a state in the report: shown apart, never counted

    @property
    def actions(self) -> rules.ActionCount:
        return rules.ActionCount(done=self.done, planned=self.planned, retired=self.retired)

    @property
    def achievement(self) -> float | None:
        return safe_achievement(self.done, self.planned) if self.counted else None

    @property
    def band(self) -> str:
        return category_of(self.achievement) if self.counted else "—"


@dataclass
class IndicatorPoint:
    semester: str
    ordinal: int
    year: int
    value_num: float | None
    value_text: str
    note: str
    state: str  # "" when no counted value
    target: float | None


@dataclass
class IndicatorSeries:
    id: int
    text: str
    battery: str
    unit: str
    higher_is_better: bool
    points: list[IndicatorPoint]
    targets: dict[int, float]  # year -> target
    target_origins: dict[int, str] = field(default_factory=dict)  # year -> provenance.Origin label

    @property
    def has_values(self) -> bool:
        return any(p.state for p in self.points)

    @property
    def latest_achievement(self) -> float | None:
        """Achievement against the target in the chosen semester (None without value or target)."""
        return self.achievement_at(self.points[-1]) if self.points else None

    def achievement_at(self, point: IndicatorPoint) -> float | None:
        """The grid's indicator achievement of one semester's value against that year's target."""
        try:
            return scoring.indicator_achievement(point.value_num, point.target, higher_is_better=self.higher_is_better)
        except ValueError:
            return None


@dataclass
class SplitRow:
    indicator_id: int
    indicator: str
    unit: str
    objective: str
    area: str
    sub_area: str
    value: float
    submitted: bool


# --- building blocks --------------------------------------------------------------------------


def semester_options(*, session: Session) -> list[SemesterInfo]:
    rows = session.exec(select(Semester).order_by(*rules.SEMESTER_ORDER)).all()
    return [SemesterInfo(id=pk(s), year=s.year, half=s.half, state=s.state) for s in rows]


def _semester(session: Session, semester_id: int) -> SemesterInfo:
    s = session.get(Semester, semester_id)
    if s is None:
        raise ValueError("Semestre non trovato.")
    return SemesterInfo(id=pk(s), year=s.year, half=s.half, state=s.state)


def _holder(objective_id: int | None, card_id: int) -> object:
    """Who a budget line belongs to: its objective, or its card when it has none."""
    return objective_id if objective_id is not None else ("card", card_id)


def _period_label(
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
    sem = _semester(session, semester_id)
    plan = session.exec(select(Plan)).first()
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
        .where(*_LIVE_BUDGET, counted_budget_line(), col(BudgetLine.amount).is_not(None))
        .distinct()
    ).all()
    annual = frozenset((_holder(o, c), y) for o, c, y in lines if y in years)
    plan_share_used = any(y is None and any((_holder(o, c), yy) not in annual for yy in years) for o, c, y in lines)
    label, short = _period_label(rows, plan_semesters, plan_years, sorted({y for _h, y in annual}), plan_share_used)
    return BudgetPeriod(
        semesters=tuple(rows), plan_semesters=plan_semesters, annual=annual, label=label, short_label=short
    )


def _areas(session: Session) -> list[MacroArea]:
    return list(session.exec(select(MacroArea).order_by(col(MacroArea.position))))


def _band_rows(session: Session, semester_ids: Iterable[int], states: tuple[str, ...]) -> list[tuple]:
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
        .join(Objective, col(Objective.id) == Report.objective_id)
        .where(col(Report.semester_id).in_(list(semester_ids)), col(Report.state).in_(states), *_LIVE_SPECIFIC)
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


def _tallies(rows: Iterable[tuple]) -> dict:
    out: dict = defaultdict(Tally)
    for key, _sem, state, done, planned, n in rows:
        out[key].add(state, done, planned, n)
    return out


def _budget(session: Session, key, period: BudgetPeriod) -> dict:
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
        .where(*_LIVE_BUDGET, counted_budget_line())
        .group_by(key, BudgetLine.objective_id, BudgetLine.card_id, BudgetLine.year)
    )
    out: dict = {}
    for k, objective_id, card_id, year, total, missing, known in session.exec(stmt):
        share = float(total or 0) * period.weight(_holder(objective_id, card_id), year)
        old = out.get(k, (0.0, 0, 0))
        out[k] = (old[0] + share, old[1] + int(missing or 0), old[2] + int(known or 0))
    return out


# A stored spend row whose amounts are plausible (validation.plausible_amount, in SQL). Rows written before the
# input checks (1e308, infinity) are left out of every sum, so sums stay finite on both databases (PostgreSQL
# refuses to add 1e308 twice), and their group's figures become NaN: shown as "valore non valido".
VALID_SPEND = and_(
    col(Spend.committed) >= 0, col(Spend.committed) <= MAX_EURO, col(Spend.paid) >= 0, col(Spend.paid) <= MAX_EURO
)


def _spend(session: Session, up_to: int, states: tuple[str, ...], *keys) -> list[tuple]:
    """(*keys, committed, paid) summed over counted reports of semesters up to ordinal `up_to`; both NaN for a
    group with a stored value that is not a plausible amount (VALID_SPEND)."""
    stmt = (
        # sqlmodel.select is typed for up to 4 columns
        select(  # type: ignore[call-overload]
            *keys,
            func.coalesce(func.sum(case((VALID_SPEND, Spend.committed))), 0.0),
            func.coalesce(func.sum(case((VALID_SPEND, Spend.paid))), 0.0),
            func.count(case((VALID_SPEND, None), else_=literal(1))),
        )
        .select_from(Spend)
        .join(Report, col(Report.id) == Spend.report_id)
        .join(Semester, col(Semester.id) == Report.semester_id)
        .join(Objective, col(Objective.id) == Report.objective_id)
        .where(col(Report.state).in_(states), _SEMESTER_ORDINAL <= up_to, col(Objective.retired) == False)
        .group_by(*keys)
    )
    return [(*row[:-3], math.nan, math.nan) if row[-1] else tuple(row[:-1]) for row in session.exec(stmt)]


def counted_spend_ids(*, session: Session, semester_id: int, states: tuple[str, ...]) -> list[int]:
    """The spend rows of the semester itself (not the earlier ones) that the Cruscotto counts, by id."""
    sem = _semester(session, semester_id)
    return [
        sid
        for sid, ordinal, _c, _p in _spend(session, sem.ordinal, states, Spend.id, _SEMESTER_ORDINAL)
        if ordinal == sem.ordinal
    ]


def _money(budget: dict, spend: Iterable[tuple]) -> dict:
    out: dict = defaultdict(Money)
    for key, (total, missing, known) in budget.items():
        out[key].budget, out[key].budget_missing, out[key].budget_amounts = total, missing, known
    for key, committed, paid in spend:
        out[key].committed += float(committed)
        out[key].paid += float(paid)
        out[key].reported = True
    return out


def _monitored_objectives(session: Session, key) -> dict:
    stmt = select(key, func.count(col(Objective.id))).where(*_LIVE_SPECIFIC).group_by(key)
    return dict(session.exec(stmt).all())


# --- what the page shows ----------------------------------------------------------------------


def semester_summary(*, session: Session, semester_id: int, include_submitted: bool) -> Summary:
    """Headline tiles: bands, overall achievement, budget, committed, paid, ratio and expected share."""
    sem = _semester(session, semester_id)
    states = counted_states(include_submitted)
    tally = Tally()
    for _area, _sem, state, done, planned, n in _band_rows(session, [sem.id], states):
        tally.add(state, done, planned, n)
    period = budget_period(session=session, semester_id=sem.id)
    by_area = _budget(session, Card.area_id, period).values()
    money = Money(
        budget=sum(total for total, _, _ in by_area),
        budget_missing=sum(m for _, m, _ in by_area),
        budget_amounts=sum(k for _, _, k in by_area),
    )
    for _area, committed, paid in _spend(session, sem.ordinal, states, Objective.area_id):
        money.committed, money.paid, money.reported = money.committed + committed, money.paid + paid, True
    per_state = dict(
        session.exec(
            select(Report.state, func.count(col(Report.id)))
            .join(Objective, col(Objective.id) == Report.objective_id)
            .where(Report.semester_id == sem.id, *_LIVE_SPECIFIC)
            .group_by(Report.state)
        ).all()
    )
    objectives = sum(_monitored_objectives(session, Objective.kind).values())
    report_states = {s: int(per_state.get(s, 0)) for s in STATE_ORDER}
    report_states[NO_REPORT] = max(0, objectives - sum(report_states.values()))
    return Summary(
        semester=sem,
        states=states,
        tally=tally,
        money=money,
        expected_share=period.expected_share,
        objectives=objectives,
        report_states=report_states,
        period=period,
    )


def area_rows(*, session: Session, semester_id: int, include_submitted: bool) -> list[AreaRow]:
    """Every macro-area in catalogue order (also those without objectives), with bands and money."""
    sem = _semester(session, semester_id)
    states = counted_states(include_submitted)
    tallies = _tallies(_band_rows(session, [sem.id], states))
    money = _money(
        _budget(session, Card.area_id, budget_period(session=session, semester_id=sem.id)),
        _spend(session, sem.ordinal, states, Objective.area_id),
    )
    counts = _monitored_objectives(session, Objective.area_id)
    return [
        AreaRow(
            letter=a.letter,
            title=a.title,
            objectives=int(counts.get(a.id, 0)),
            tally=tallies.get(a.id) or Tally(),
            money=money.get(a.id) or Money(),
        )
        for a in _areas(session)
    ]


def source_rows(*, session: Session, semester_id: int, include_submitted: bool) -> list[SourceRow]:
    """Budget vs spend per funding source (a budget line with no stated source counts as ALTRO)."""
    sem = _semester(session, semester_id)
    budget: dict[str, tuple[float, int, int]] = {}
    for code, (total, missing, known) in _budget(
        session, BudgetLine.source, budget_period(session=session, semester_id=sem.id)
    ).items():
        key = code or FundingSource.ALTRO
        old = budget.get(key, (0.0, 0, 0))
        budget[key] = (old[0] + total, old[1] + missing, old[2] + known)
    money = _money(budget, _spend(session, sem.ordinal, counted_states(include_submitted), Spend.source))
    return [
        SourceRow(code=str(code), label=funding_label(code), money=money[code])
        for code in FundingSource
        if code in money
    ]


def trend(*, session: Session, semester_id: int, include_submitted: bool) -> list[TrendPoint]:
    """Per semester up to the chosen one: achievement and cumulative spend ratio, per area and overall ("")."""
    sem = _semester(session, semester_id)
    states = counted_states(include_submitted)
    sems = [s for s in semester_options(session=session) if s.ordinal <= sem.ordinal]
    areas = {a.id: a.letter for a in _areas(session)}
    tallies: dict = defaultdict(Tally)
    for area_id, sem_id, state, done, planned, n in _band_rows(session, [s.id for s in sems], states):
        tallies[(sem_id, areas[area_id])].add(state, done, planned, n)
        tallies[(sem_id, "")].add(state, done, planned, n)
    periods = {s.id: budget_period(session=session, semester_id=s.id) for s in sems}
    budgets = {}
    for s in sems:  # each point compares with the budget of the period monitored up to it
        budget = {areas[k]: v[0] for k, v in _budget(session, Card.area_id, periods[s.id]).items() if k in areas}
        budget[""] = sum(budget.values())
        budgets[s.id] = budget
    paid_by: dict = defaultdict(float)
    for area_id, ordinal, _c, paid in _spend(session, sem.ordinal, states, Objective.area_id, _SEMESTER_ORDINAL):
        paid_by[(ordinal, areas[area_id])] += float(paid)
        paid_by[(ordinal, "")] += float(paid)
    points = []
    for letter in ["", *areas.values()]:
        cumulative = 0.0
        for s in sems:
            cumulative += paid_by.get((s.ordinal, letter), 0.0)
            tally = tallies.get((s.id, letter))
            budget = budgets[s.id]
            points.append(
                TrendPoint(
                    semester=s.label,
                    ordinal=s.ordinal,
                    area=letter,
                    achievement=tally.achievement if tally else None,
                    ratio=scoring.spend_ratio(cumulative, budget[letter])
                    if budget.get(letter) and math.isfinite(cumulative)
                    else None,
                    expected_share=periods[s.id].expected_share,
                )
            )
    return points


def objective_rows(
    *, session: Session, semester_id: int, include_submitted: bool, area_letter: str | None = None
) -> list[ObjectiveRow]:
    """Monitored objectives (one area's, or all) in plan order, with their report state, action counts and
    money: the one source of an objective's achievement, band, budget, committed, paid, ratio and spend class."""
    sem = _semester(session, semester_id)
    states = counted_states(include_submitted)
    where = [*_LIVE_SPECIFIC] + ([MacroArea.letter == area_letter] if area_letter is not None else [])
    rows = session.exec(
        # sqlmodel.select is typed for up to 4 columns
        select(  # type: ignore[call-overload]
            Objective,
            MacroArea.letter,
            Report.state,
            rules.done_actions_sql(Report.id),
            rules.planned_actions_sql(Objective.id),
            rules.retired_actions_sql(Report.id),
        )
        .join(MacroArea, MacroArea.id == Objective.area_id)
        .join(Card, Card.id == Objective.card_id)
        .outerjoin(Report, (Report.objective_id == Objective.id) & (Report.semester_id == sem.id))
        .where(*where)
        .order_by(MacroArea.position, Card.position, Objective.position, Objective.id)
    ).all()
    ids = {o.id for o, *_ in rows}
    budget = {
        k: v
        for k, v in _budget(
            session, BudgetLine.objective_id, budget_period(session=session, semester_id=sem.id)
        ).items()
        if k in ids
    }
    spend = [r for r in _spend(session, sem.ordinal, states, Report.objective_id) if r[0] in ids]
    money = _money(budget, spend)
    return [
        ObjectiveRow(
            id=o.id,
            code=o.code,
            text=o.text,
            area=letter,
            state=state or NO_REPORT,
            counted=state in states,
            done=int(done or 0) if state else 0,
            planned=int(planned or 0),
            retired=int(retired or 0) if state else 0,
            money=money.get(o.id) or Money(),
        )
        for o, letter, state, done, planned, retired in rows
    ]


def report_actions(*, session: Session, report_id: int) -> rules.ActionCount:
    """One saved report's action counts, by the same SQL as every aggregate above."""
    report = session.get(Report, report_id)
    if report is None:
        raise ValueError("Report non trovato.")
    done, planned, retired = session.exec(
        select(
            rules.done_actions_sql(report.id),
            rules.planned_actions_sql(report.objective_id),
            rules.retired_actions_sql(report.id),
        )
    ).one()
    return rules.ActionCount(done=int(done), planned=int(planned), retired=int(retired))


def area_objectives(
    *, session: Session, semester_id: int, include_submitted: bool, area_letter: str
) -> list[ObjectiveRow]:
    """One area's monitored objectives in plan order, with their report state, band and spend."""
    return objective_rows(
        session=session, semester_id=semester_id, include_submitted=include_submitted, area_letter=area_letter
    )


def objective_indicators(
    *, session: Session, objective_id: int, semester_id: int, include_submitted: bool
) -> list[IndicatorSeries]:
    """One objective's live indicators with their counted values in every semester up to the chosen one."""
    return indicators_of_objectives(
        session=session, objective_ids=[objective_id], semester_id=semester_id, include_submitted=include_submitted
    ).get(objective_id, [])


def indicators_of_objectives(
    *, session: Session, objective_ids: list[int], semester_id: int, include_submitted: bool
) -> dict[int, list[IndicatorSeries]]:
    """objective_indicators for many objectives at once (three queries, whatever their number: the reports)."""
    sem = _semester(session, semester_id)
    indicators = session.exec(
        select(Indicator)
        .where(col(Indicator.objective_id).in_(objective_ids), col(Indicator.retired) == False)
        .order_by(col(Indicator.objective_id), col(Indicator.position))
    ).all()
    ids = [i.id for i in indicators]
    targets: dict = defaultdict(dict)
    target_rows = [
        t
        for t in session.exec(select(IndicatorTarget).where(col(IndicatorTarget.indicator_id).in_(ids)))
        if t.target is not None
    ]
    set_in_app = provenance.set_by(session, provenance.TARGET, [pk(t) for t in target_rows])
    origins: dict = defaultdict(dict)
    for t in target_rows:
        targets[t.indicator_id][t.year] = t.target
        origins[t.indicator_id][t.year] = provenance.target_origin(set_in_app, pk(t)).label
    found: dict = {}
    for v, state, year, half in session.exec(
        select(IndicatorValue, Report.state, Semester.year, Semester.half)
        .join(Report, col(Report.id) == IndicatorValue.report_id)
        .join(Semester, col(Semester.id) == Report.semester_id)
        .where(
            col(Report.objective_id).in_(objective_ids),
            col(Report.state).in_(counted_states(include_submitted)),
            _SEMESTER_ORDINAL <= sem.ordinal,
        )
    ):
        found[(v.indicator_id, rules.semester_ordinal(year, half))] = (v, state)
    sems = [s for s in semester_options(session=session) if s.ordinal <= sem.ordinal]

    def point(indicator_id: int, s: SemesterInfo) -> IndicatorPoint:
        """Every semester has a point (value None when nothing counted), so a gap shows as a gap."""
        v, state = found.get((indicator_id, s.ordinal), (None, ""))
        return IndicatorPoint(
            semester=s.label,
            ordinal=s.ordinal,
            year=s.year,
            value_num=v.value_num if v else None,
            value_text=(v.value_text or "") if v else "",
            note=(v.note or "") if v else "",
            state=state,
            target=targets[indicator_id].get(s.year),
        )

    out: dict[int, list[IndicatorSeries]] = {oid: [] for oid in objective_ids}
    for i in indicators:
        out[i.objective_id].append(
            IndicatorSeries(
                id=pk(i),
                text=i.text,
                battery=i.battery,
                unit=i.unit,
                higher_is_better=i.higher_is_better,
                points=[point(pk(i), s) for s in sems],
                targets=dict(targets[i.id]),
                target_origins=dict(origins[i.id]),
            )
        )
    return out


def sub_area_splits(*, session: Session, semester_id: int, include_submitted: bool) -> list[SplitRow]:
    """Indicator values split by sub-area (AT1..AT7) in the chosen semester, counted reports only."""
    stmt = (
        # sqlmodel.select is typed for up to 4 columns
        select(  # type: ignore[call-overload]
            Indicator.id,
            Indicator.text,
            Indicator.unit,
            Objective.code,
            MacroArea.letter,
            SubArea.code,
            SubAreaValue.value,
            Report.state,
        )
        .select_from(SubAreaValue)
        .join(IndicatorValue, IndicatorValue.id == SubAreaValue.value_id)
        .join(SubArea, SubArea.id == SubAreaValue.sub_area_id)
        .join(Indicator, Indicator.id == IndicatorValue.indicator_id)
        .join(Report, Report.id == IndicatorValue.report_id)
        .join(Objective, Objective.id == Report.objective_id)
        .join(MacroArea, MacroArea.id == Objective.area_id)
        .where(
            Report.semester_id == semester_id,
            col(Report.state).in_(counted_states(include_submitted)),
            Objective.retired == False,
        )
        .order_by(MacroArea.position, Objective.code, Indicator.position, SubArea.position)
    )
    return [
        SplitRow(
            indicator_id=i,
            indicator=text,
            unit=unit,
            objective=code,
            area=letter,
            sub_area=sub,
            value=float(value),
            submitted=state == ReportState.INVIATA,
        )
        for i, text, unit, code, letter, sub, value, state in session.exec(stmt)
    ]


def sub_area_codes(*, session: Session) -> list[str]:
    return list(session.exec(select(SubArea.code).order_by(col(SubArea.position))))
