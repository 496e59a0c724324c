"""The Cruscotto's figures, aggregated in SQL (GROUP BY) and turned into the regional grid's terms.

What is counted (one rule each, in models/rules.py, shared by tiles, charts, exports, the review table and tests):
- Plan: every figure of a semester is of the plan the semester belongs to (models/plans.py: by its years):
  its objectives, areas, budget lines and semesters, never another plan's; an objective carried over from the
  previous plan shows its predecessors' semesters in objective_trend.
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

Over 400 lines: the figures above are defined together; each query is one of them.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import func
from sqlmodel import Session, col, select

from models import plans, provenance, rules, scoring
from models.dashboard_results import (
    NO_REPORT,
    STATE_ORDER,
    AreaRow,
    IndicatorPoint,
    IndicatorSeries,
    Money,
    ObjectivePoint,
    ObjectiveRow,
    SourceRow,
    SplitRow,
    Summary,
    Tally,
    TrendPoint,
    counted_states,
    safe_achievement,
)
from models.dashboard_sql import (
    LIVE_SPECIFIC,
    SEMESTER_ORDINAL,
    all_areas,
    band_rows,
    budget_by,
    budget_period,
    money_by,
    monitored_objectives,
    same_plan_semesters,
    semester_by_id,
    spend_by,
    tally_by,
)
from models.errors import NotFound
from models.tables import (
    BudgetLine,
    Card,
    Indicator,
    IndicatorTarget,
    IndicatorValue,
    MacroArea,
    Objective,
    Report,
    Semester,
    Spend,
    SubArea,
    SubAreaValue,
)
from models.vocab import FundingSource, ReportState, funding_label, semester_label

# --- what the page shows ----------------------------------------------------------------------


def semester_summary(*, session: Session, semester_id: int, include_submitted: bool) -> Summary:
    """Headline tiles (bands, overall achievement, budget, committed, paid, ratio, expected share) and the same
    figures per macro-area (Summary.areas): one set of queries, the totals summed from the areas' rows."""
    sem = semester_by_id(session, semester_id)
    plan_id = plans.plan_id_of_semester(session, sem.id)
    states = counted_states(include_submitted)
    bands = band_rows(session, [sem.id], states)
    period = budget_period(session=session, semester_id=sem.id)
    budget = budget_by(session, Card.area_id, period)
    spend = spend_by(session, sem.ordinal, states, Objective.area_id, plan_id=plan_id)
    counts = monitored_objectives(session, Objective.area_id, plan_id)
    tally = Tally()
    for _area, _sem, state, done, planned, n in bands:
        tally.add(state, done, planned, n)
    money = Money(
        budget=sum(total for total, _, _ in budget.values()),
        budget_missing=sum(m for _, m, _ in budget.values()),
        budget_amounts=sum(k for _, _, k in budget.values()),
    )
    for _area, committed, paid in spend:
        money.committed, money.paid, money.reported = money.committed + committed, money.paid + paid, True
    per_state = dict(
        session.exec(
            select(Report.state, func.count(col(Report.id)))
            .join(Objective, col(Objective.id) == Report.objective_id)
            .where(Report.semester_id == sem.id, *LIVE_SPECIFIC)
            .group_by(Report.state)
        ).all()
    )
    objectives = int(sum(counts.values()))
    report_states = {s: int(per_state.get(s, 0)) for s in STATE_ORDER}
    report_states[NO_REPORT] = max(0, objectives - sum(report_states.values()))
    tallies, area_money = tally_by(bands), money_by(budget, spend)
    areas = [
        AreaRow(
            letter=a.letter,
            title=a.title,
            objectives=int(counts.get(a.id, 0)),
            tally=tallies.get(a.id) or Tally(),
            money=area_money.get(a.id) or Money(),
        )
        for a in all_areas(session, plan_id)
    ]
    return Summary(
        semester=sem,
        states=states,
        tally=tally,
        money=money,
        expected_share=period.expected_share,
        objectives=objectives,
        report_states=report_states,
        period=period,
        areas=areas,
    )


def area_rows(*, session: Session, semester_id: int, include_submitted: bool) -> list[AreaRow]:
    """Every macro-area in catalogue order (also those without objectives), with bands and money."""
    return semester_summary(session=session, semester_id=semester_id, include_submitted=include_submitted).areas


def source_rows(*, session: Session, semester_id: int, include_submitted: bool) -> list[SourceRow]:
    """Budget vs spend per funding source (a budget line with no stated source counts as ALTRO)."""
    sem = semester_by_id(session, semester_id)
    budget: dict[str, tuple[float, int, int]] = {}
    for code, (total, missing, known) in budget_by(
        session, BudgetLine.source, budget_period(session=session, semester_id=sem.id)
    ).items():
        key = code or FundingSource.ALTRO
        old = budget.get(key, (0.0, 0, 0))
        budget[key] = (old[0] + total, old[1] + missing, old[2] + known)
    plan_id = plans.plan_id_of_semester(session, sem.id)
    spend = spend_by(session, sem.ordinal, counted_states(include_submitted), Spend.source, plan_id=plan_id)
    money = money_by(budget, spend)
    return [
        SourceRow(code=str(code), label=funding_label(code), money=money[code])
        for code in FundingSource
        if code in money
    ]


def trend(*, session: Session, semester_id: int, include_submitted: bool) -> list[TrendPoint]:
    """Per semester up to the chosen one: achievement and cumulative spend ratio, per area and overall ("")."""
    sem = semester_by_id(session, semester_id)
    states = counted_states(include_submitted)
    plan_id = plans.plan_id_of_semester(session, sem.id)
    sems = [s for s in same_plan_semesters(session, sem.id) if s.ordinal <= sem.ordinal]
    areas = {a.id: a.letter for a in all_areas(session, plan_id)}
    tallies: dict = defaultdict(Tally)
    for area_id, sem_id, state, done, planned, n in band_rows(session, [s.id for s in sems], states):
        tallies[(sem_id, areas[area_id])].add(state, done, planned, n)
        tallies[(sem_id, "")].add(state, done, planned, n)
    periods = {s.id: budget_period(session=session, semester_id=s.id) for s in sems}
    budgets = {}
    for s in sems:  # each point compares with the budget of the period monitored up to it
        budget = {areas[k]: v[0] for k, v in budget_by(session, Card.area_id, periods[s.id]).items() if k in areas}
        budget[""] = sum(budget.values())
        budgets[s.id] = budget
    paid_by: dict = defaultdict(float)
    for area_id, ordinal, _c, paid in spend_by(
        session, sem.ordinal, states, Objective.area_id, SEMESTER_ORDINAL, plan_id=plan_id
    ):
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
    sem = semester_by_id(session, semester_id)
    states = counted_states(include_submitted)
    plan_id = plans.plan_id_of_semester(session, sem.id)
    where = [*LIVE_SPECIFIC, *plans.objectives_of(plan_id)]
    where += [MacroArea.letter == area_letter] if area_letter is not None else []
    rows = session.exec(
        # sqlmodel.select is typed for up to 4 columns
        select(  # type: ignore[call-overload]
            Objective.id,  # columns, not the ORM object: thousands of rows at size 100
            Objective.code,
            Objective.text,
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
    ids = {row[0] for row in rows}
    budget = {
        k: v
        for k, v in budget_by(
            session, BudgetLine.objective_id, budget_period(session=session, semester_id=sem.id)
        ).items()
        if k in ids
    }
    spend = [r for r in spend_by(session, sem.ordinal, states, Report.objective_id, plan_id=plan_id) if r[0] in ids]
    money = money_by(budget, spend)
    return [
        ObjectiveRow(
            id=objective_id,
            code=code,
            text=text,
            area=letter,
            state=state or NO_REPORT,
            counted=state in states,
            done=int(done or 0) if state else 0,
            planned=int(planned or 0),
            retired=int(retired or 0) if state else 0,
            money=money.get(objective_id) or Money(),
        )
        for objective_id, code, text, letter, state, done, planned, retired in rows
    ]


def objective_trend(
    *, session: Session, objective_id: int, semester_id: int, include_submitted: bool
) -> list[ObjectivePoint]:
    """An objective's achievement in each semester with a counted report up to the chosen one, oldest first,
    following its predecessors into earlier plans (an objective carried over keeps its trend)."""
    sem = semester_by_id(session, semester_id)
    lineage = plans.lineage(session, objective_id)
    rows = session.exec(
        # sqlmodel.select is typed for up to 4 columns
        select(  # type: ignore[call-overload]
            Semester.year,
            Semester.half,
            Objective.code,
            Report.objective_id,
            rules.done_actions_sql(Report.id),
            rules.planned_actions_sql(Report.objective_id),
        )
        .select_from(Report)
        .join(Semester, col(Semester.id) == Report.semester_id)
        .join(Objective, col(Objective.id) == Report.objective_id)
        .where(
            col(Report.objective_id).in_(lineage),
            col(Report.state).in_(counted_states(include_submitted)),
            SEMESTER_ORDINAL <= sem.ordinal,
        )
        .order_by(SEMESTER_ORDINAL)
    ).all()
    return [
        ObjectivePoint(
            semester=semester_label(year, half),
            ordinal=rules.semester_ordinal(year, half),
            code=code,
            achievement=safe_achievement(int(done or 0), int(planned or 0)),
            own=oid == objective_id,
        )
        for year, half, code, oid, done, planned in rows
    ]


def report_actions(*, session: Session, report_id: int) -> rules.ActionCount:
    """One saved report's action counts, by the same SQL as every aggregate above."""
    report = session.get(Report, report_id)
    if report is None:
        raise NotFound("Report non trovato.")
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
    sem = semester_by_id(session, semester_id)
    # Columns, not Indicator / IndicatorTarget objects: 14,000 indicators at size 100 (see below).
    indicators = session.exec(
        # sqlmodel.select is typed for up to 4 columns
        select(  # type: ignore[call-overload]
            Indicator.id,
            Indicator.objective_id,
            Indicator.text,
            Indicator.battery,
            Indicator.unit,
            Indicator.higher_is_better,
        )
        .where(col(Indicator.objective_id).in_(objective_ids), col(Indicator.retired) == False)
        .order_by(col(Indicator.objective_id), col(Indicator.position))
    ).all()
    ids = [row[0] for row in indicators]
    targets: dict = defaultdict(dict)
    target_rows: Sequence = session.exec(  # rows of plain values (the ids are never None here)
        select(IndicatorTarget.id, IndicatorTarget.indicator_id, IndicatorTarget.year, IndicatorTarget.target).where(
            col(IndicatorTarget.indicator_id).in_(ids), col(IndicatorTarget.target).is_not(None)
        )
    ).all()
    set_in_app = provenance.set_by(session, provenance.TARGET, [row[0] for row in target_rows])
    origins: dict = defaultdict(dict)
    for target_id, indicator_id, year, target in target_rows:
        targets[indicator_id][year] = target
        origins[indicator_id][year] = provenance.target_origin(set_in_app, target_id).label
    found: dict = {}
    # Columns, not IndicatorValue objects: tens of thousands of ORM instances at size 100 cost seconds.
    for indicator_id, value_num, value_text, note, state, year, half in session.exec(
        # sqlmodel.select is typed for up to 4 columns
        select(  # type: ignore[call-overload]
            IndicatorValue.indicator_id,
            IndicatorValue.value_num,
            IndicatorValue.value_text,
            IndicatorValue.note,
            Report.state,
            Semester.year,
            Semester.half,
        )
        .select_from(IndicatorValue)
        .join(Report, col(Report.id) == IndicatorValue.report_id)
        .join(Semester, col(Semester.id) == Report.semester_id)
        .where(
            col(Report.objective_id).in_(objective_ids),
            col(Report.state).in_(counted_states(include_submitted)),
            SEMESTER_ORDINAL <= sem.ordinal,
        )
    ):
        found[(indicator_id, rules.semester_ordinal(year, half))] = ((value_num, value_text, note), state)
    # (label, ordinal, year) worked out once per semester, not once per point (80,000 at size 100)
    sems = [(s.label, s.ordinal, s.year) for s in same_plan_semesters(session, sem.id) if s.ordinal <= sem.ordinal]
    nothing = (None, "")

    def point(indicator_id: int, label: str, ordinal: int, year: int, yearly: dict) -> IndicatorPoint:
        """Every semester has a point (value None when nothing counted), so a gap shows as a gap."""
        v, state = found.get((indicator_id, ordinal), nothing)
        return IndicatorPoint(
            semester=label,
            ordinal=ordinal,
            year=year,
            value_num=v[0] if v else None,
            value_text=(v[1] or "") if v else "",
            note=(v[2] or "") if v else "",
            state=state,
            target=yearly.get(year),
        )

    out: dict[int, list[IndicatorSeries]] = {oid: [] for oid in objective_ids}
    for indicator_id, objective_id, text, battery, unit, higher_is_better in indicators:
        out[objective_id].append(
            IndicatorSeries(
                id=indicator_id,
                text=text,
                battery=battery,
                unit=unit,
                higher_is_better=higher_is_better,
                points=[point(indicator_id, *s, targets[indicator_id]) for s in sems],
                targets=dict(targets[indicator_id]),
                target_origins=dict(origins[indicator_id]),
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
