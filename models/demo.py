"""`make demo`: the real plan plus plausible generated semester data, on a separate demonstration database.

`python -m models.demo` (run by `make demo` with PDZ_DEMO=1 and the demo database URL) prepares the database,
creates one demo account per role and, when the database holds no report yet, generates data from 2025 H1 to
the current semester with a fixed seed. `generate()` is reusable (benchmarks, tests) on any session.

Over 400 lines: one generator per kind of data (actions, indicators, spend, comments) sharing one random stream.
"""

from __future__ import annotations

import random
import sys
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, col, func, select

from models import plans, rules
from models.budget_rules import counted_budget_line
from models.db import bump_data_change
from models.demo_mark import mark_database
from models.errors import DomainError, InputRefused
from models.provenance import TARGET
from models.reports import report_snapshot  # what review stores on approval
from models.semesters import default_deadline
from models.tables import (
    Action,
    ActionStatus,
    BudgetLine,
    Indicator,
    IndicatorTarget,
    IndicatorValue,
    Objective,
    Plan,
    Report,
    Semester,
    SetByOffice,
    Spend,
    SubArea,
    SubAreaValue,
    pk,
)
from models.vocab import ActionState, FundingSource, ReportState, ResourceAdequacy, Role, Unit

DEMO_SEED = 20251  # fixed: every `make demo` on an empty database shows the same figures


@dataclass(frozen=True)
class DemoAccount:
    username: str
    name: str
    role: str
    areas: tuple[str, ...]
    password: str  # public on purpose: shown on the demo login page; never created outside demo mode
    email: str  # under example.invalid (RFC 2606): a notice sent by mistake can reach nobody


DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount(
        "demo.ufficio",
        "Ufficio di Piano (demo)",
        Role.UFFICIO_DI_PIANO,
        (),
        "demo-ufficio-2026",
        "ufficio@example.invalid",
    ),
    DemoAccount(
        "demo.referente",
        "Referente aree A e B (demo)",
        Role.REFERENTE,
        ("A", "B"),
        "demo-referente-2026",
        "referente@example.invalid",
    ),
    DemoAccount(
        "demo.comitato",
        "Comitato Ristretto (demo)",
        Role.COMITATO,
        (),
        "demo-comitato-2026",
        "comitato@example.invalid",
    ),
)

# Weights of the report states in the open (current) semester: data entry is under way.
CURRENT_STATE_WEIGHTS = {
    ReportState.BOZZA: 0.2,
    ReportState.INVIATA: 0.3,
    ReportState.APPROVATA: 0.35,
    ReportState.DA_RIVEDERE: 0.15,
}
MISSING_REPORT_SHARE = 0.08  # objectives with nothing entered yet in the open semester
SPLIT_EVERY = 3  # one objective in three splits its first count indicator by sub-area ("a few")

_TEXT_VALUES = (
    "Rete attiva e partecipata, incontri regolari con il Terzo Settore",
    "Avvio graduale: primi riscontri positivi dai servizi sociali comunali",
    "Collaborazione con ASST consolidata, da estendere ai comuni più piccoli",
    "Buona adesione delle famiglie; difficoltà nei territori più periferici",
)
_USERS = (
    "Questionario di gradimento: giudizio medio buono",
    "Focus group con gli utenti: esito positivo",
    "Soddisfazione alta, richiesta di maggiore continuità",
)
_ISSUES = (
    "Turnover degli operatori: previsto un piano di formazione congiunta",
    "Ritardi nell'erogazione dei fondi regionali: anticipo con fondi comunali",
    "Scarsa conoscenza del servizio: campagna informativa nei comuni",
)
_REVIEW = "Completare la spesa liquidata per fonte e motivare lo scostamento dal budget."


@dataclass
class GenerateResult:
    semesters: int = 0
    reports: int = 0
    values: int = 0
    spend_rows: int = 0
    targets: int = 0
    splits: int = 0


@dataclass
class _Profile:
    """What one objective does over the plan: how fast actions complete and how much it spends."""

    pace: float
    done_at: dict[int, float] = field(default_factory=dict)  # action id -> plan semester index when done
    start_at: dict[int, float] = field(default_factory=dict)
    spend_factor: float = 1.0


def semesters_until(today: date, first_year: int) -> list[tuple[int, int]]:
    """(year, half) from first_year H1 up to and including the semester `today` falls in."""
    current = rules.semester_ordinal(today.year, 1 if today.month <= 6 else 2)
    out, year, half = [], first_year, 1
    while rules.semester_ordinal(year, half) <= current:
        out.append((year, half))
        year, half = rules.next_semester(year, half)
    return out


def _semester_rows(session: Session, semesters: Sequence[tuple[int, int]]) -> list[Semester]:
    """Create the semesters: all closed but the last, which is open."""
    rows = []
    for i, (year, half) in enumerate(sorted(semesters)):
        sem = session.exec(select(Semester).where(Semester.year == year, Semester.half == half)).first()
        if sem is None:
            sem = Semester(year=year, half=half, deadline=default_deadline(year, half))
            session.add(sem)
        sem.state = "aperto" if i == len(semesters) - 1 else "chiuso"
        rows.append(sem)
    session.flush()
    return rows


def _monitored(session: Session) -> list[Objective]:
    return list(
        session.exec(select(Objective).where(rules.MONITORED_SQL).order_by(col(Objective.area_id), col(Objective.id)))
    )


def _budget_by_objective(session: Session, objectives: list[Objective]) -> dict[int, dict[str, float]]:
    """objective id -> source -> budget; a card-level line is shared equally by the card's objectives."""
    by_card: dict[int, list[int]] = defaultdict(list)
    for o in objectives:
        by_card[o.card_id].append(pk(o))
    monitored = {o.id for o in objectives}
    out: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    lines = session.exec(
        select(BudgetLine).where(
            BudgetLine.retired == False,
            col(BudgetLine.amount).is_not(None),
            counted_budget_line(),
        )
    )
    for line in lines:
        source = line.source or FundingSource.ALTRO
        owners = [line.objective_id] if line.objective_id else by_card.get(line.card_id, [])
        if line.amount is None:
            continue  # not selected (amount IS NOT NULL above)
        for owner in owners:
            if owner in monitored:
                out[owner][source] += line.amount / len(owners)
    return out


def _profile(rng: random.Random, actions: list[Action], plan_semesters: int) -> _Profile:
    pace = rng.choice((0.35, 0.7, 1.0, 1.0, 1.2, 1.5))  # a few objectives lag behind, a few run ahead
    prof = _Profile(pace=pace, spend_factor=rng.choice((0.6, 0.85, 1.0, 1.0, 1.1, 1.35)))
    for a in actions:
        done = rng.uniform(0.5, plan_semesters + 1) / pace
        prof.done_at[pk(a)] = done
        prof.start_at[pk(a)] = done - rng.uniform(1, 3)
    return prof


def _action_state(prof: _Profile, action_id: int, k: int) -> str:
    if k + 1 >= prof.done_at[action_id]:
        return ActionState.REALIZZATA
    if k + 1 >= prof.start_at[action_id]:
        return ActionState.IN_CORSO
    return ActionState.NON_AVVIATA


def _report_state(rng: random.Random, is_last: bool) -> str | None:
    if not is_last:
        return ReportState.APPROVATA
    if rng.random() < MISSING_REPORT_SHARE:
        return None
    return rng.choices(list(CURRENT_STATE_WEIGHTS), weights=list(CURRENT_STATE_WEIGHTS.values()))[0]


def _qualitative(rng: random.Random, report: Report, state: str) -> None:
    report.resource_adequacy = rng.choice(
        [
            ResourceAdequacy.SUFFICIENTEMENTE_ADEGUATO,
            ResourceAdequacy.ADEGUATO,
            ResourceAdequacy.ADEGUATO,
            ResourceAdequacy.INADEGUATO,
        ]
    )
    if rng.random() < 0.3:
        report.users_not_relevant = True
    else:
        report.users_assessment = rng.choice(_USERS)
    if rng.random() < 0.4:
        report.critical_issues = rng.choice(_ISSUES)
    report.need_answered, report.need_reason = True, "Risposta coerente con il bisogno rilevato"
    report.proposed_again = rng.random() < 0.9
    if state == ReportState.DA_RIVEDERE:
        report.reviewer_comment = _REVIEW


class _IndicatorModel:
    """Plausible values of one indicator over the plan's semesters, by unit."""

    def __init__(self, rng: random.Random, ind: Indicator):
        self.ind = ind
        self.base = rng.randint(20, 90) if not ind.higher_is_better else rng.randint(5, 120)
        self.growth = rng.uniform(0.08, 0.3)
        self.start_pct = rng.uniform(15, 60)
        self.step_pct = rng.uniform(4, 12)
        self.switch_at = rng.randint(0, 4)

    def value(self, rng: random.Random, k: int) -> tuple[float | None, str]:
        unit = self.ind.unit
        if unit == Unit.TESTO:
            return None, rng.choice(_TEXT_VALUES)
        if unit == Unit.SI_NO:
            return (1.0 if k >= self.switch_at else 0.0), ""
        if unit == Unit.PERCENTUALE:
            return round(min(100.0, self.start_pct + self.step_pct * k + rng.uniform(-3, 3)), 1), ""
        trend = (1 - self.growth / 2) ** k if not self.ind.higher_is_better else (1 + self.growth) ** k
        return float(max(0, round(self.base * trend * rng.uniform(0.9, 1.1)))), ""

    def target(self, year_index: int) -> float | None:
        if self.ind.unit == Unit.PERCENTUALE:
            return float(min(100, round(self.start_pct + 20 * (year_index + 1))))
        if self.ind.unit == Unit.NUMERO:
            factor = (0.8 ** (year_index + 1)) if not self.ind.higher_is_better else (1.35 ** (year_index + 1))
            return float(round(self.base * factor))
        return None


def _split(rng: random.Random, total: float, codes: list[int]) -> dict[int, float]:
    """Whole numbers per sub-area summing exactly to total (largest remainder)."""
    weights = [rng.uniform(0.5, 2) for _ in codes]
    raw = [total * w / sum(weights) for w in weights]
    floors = [int(r) for r in raw]
    order = sorted(range(len(codes)), key=lambda i: raw[i] - floors[i], reverse=True)
    for i in order[: int(round(total)) - sum(floors)]:
        floors[i] += 1
    return {sub: float(v) for sub, v in zip(codes, floors)}


DEMO_SETTER = "dati dimostrativi"  # who "set" the generated targets


def _add_targets(session: Session, rng: random.Random, models: dict[int, _IndicatorModel], plan: Plan) -> int:
    """Targets for about half of the numeric indicators that have none yet (the office sets them yearly)."""
    existing = set(session.exec(select(IndicatorTarget.indicator_id)))
    rows = []
    for ind_id, model in models.items():
        if ind_id in existing or model.target(0) is None or rng.random() < 0.45:
            continue
        baseline, _ = model.value(rng, 0)
        for i, year in enumerate(range(plan.first_year, plan.last_year + 1)):
            rows.append(IndicatorTarget(indicator_id=ind_id, year=year, baseline=baseline, target=model.target(i)))
    session.add_all(rows)
    session.flush()
    # Targets say where they come from (models/provenance.py): here, the generator in the office's place.
    session.add_all([SetByOffice(entity=TARGET, entity_id=pk(t), name=DEMO_SETTER) for t in rows])
    return len(rows)


def _add_copies(session: Session, objectives: list[Objective], scale: int) -> None:
    """For benchmarks only: scale-1 synthetic copies of every objective (code "A.1~2"), with actions,
    indicators and budget. They are not in the plan files, so a later plan load retires them."""
    for copy in range(2, scale + 1):
        for o in objectives:
            clone = Objective(
                card_id=o.card_id,
                area_id=o.area_id,
                code=f"{o.code}~{copy}"[:16],
                kind=o.kind,
                text=o.text,
                position=o.position + 1000 * copy,
                line=o.line,
            )
            session.add(clone)
            session.flush()
            for a in session.exec(select(Action).where(Action.objective_id == o.id, Action.retired == False)):
                session.add(Action(objective_id=pk(clone), text=a.text, position=a.position, line=a.line))
            for i in session.exec(select(Indicator).where(Indicator.objective_id == o.id, Indicator.retired == False)):
                session.add(
                    Indicator(
                        objective_id=pk(clone),
                        battery=i.battery,
                        text=i.text,
                        unit=i.unit,
                        higher_is_better=i.higher_is_better,
                        position=i.position,
                        line=i.line,
                    )
                )
            for b in session.exec(
                select(BudgetLine).where(
                    BudgetLine.objective_id == o.id,  # the plan's budget only:
                    BudgetLine.retired == False,
                    counted_budget_line(),
                )
            ):  # the copies count
                session.add(
                    BudgetLine(
                        card_id=b.card_id,
                        objective_id=clone.id,
                        year=b.year,
                        item=b.item,
                        source=b.source,
                        public=b.public,
                        amount=b.amount,
                        text=b.text,
                        origin="ufficio",
                    )
                )
    session.flush()


def generate(
    session: Session, *, seed: int, semesters: Sequence[tuple[int, int]], scale: int = 1, snapshots: bool | None = None
) -> GenerateResult:
    """Generate plausible monitoring data for every monitored objective in the given (year, half) semesters.

    Deterministic for a given seed and plan. The last semester is left open with reports in every state;
    earlier ones are closed and approved. Call on a database with the plan loaded and no semester data.
    `snapshots`: store what review stores on approval (the approved snapshot); by default only at scale 1,
    because it costs several queries per report and benchmarks do not need it.
    """
    if not semesters:
        raise InputRefused("Semestri: indicare almeno un semestre.")
    if scale < 1:
        raise InputRefused("Scala: atteso un intero >= 1.")
    plan = plans.current_plan_row(session)
    if plan is None:
        raise InputRefused("Piano non caricato: eseguire prima prepare_database.")
    rng = random.Random(seed)
    snapshots = scale == 1 if snapshots is None else snapshots
    if scale > 1:
        _add_copies(session, _monitored(session), scale)
    objectives = _monitored(session)
    sems = _semester_rows(session, semesters)
    result = GenerateResult(semesters=len(sems))
    budget = _budget_by_objective(session, objectives)
    plan_semesters = (plan.last_year - plan.first_year + 1) * 2
    subs = [pk(s) for s in session.exec(select(SubArea).order_by(col(SubArea.position)))]
    models: dict[int, _IndicatorModel] = {}
    for n, obj in enumerate(objectives):
        actions = list(
            session.exec(
                select(Action)
                .where(col(Action.objective_id) == obj.id, col(Action.retired) == False)
                .order_by(col(Action.position))
            )
        )
        indicators = list(
            session.exec(
                select(Indicator)
                .where(Indicator.objective_id == obj.id, Indicator.retired == False)
                .order_by(col(Indicator.position))
            )
        )
        for ind in indicators:
            models[pk(ind)] = _IndicatorModel(rng, ind)
        split_ind = next((i for i in indicators if i.unit == Unit.NUMERO), None) if n % SPLIT_EVERY == 0 else None
        prof = _profile(rng, actions, plan_semesters)
        for sem in sems:
            state = _report_state(rng, sem is sems[-1])
            if state is None:
                continue
            k = rules.semester_ordinal(sem.year, sem.half) - rules.semester_ordinal(plan.first_year, 1)  # 0 = first
            report = _report(
                session,
                rng,
                obj,
                sem,
                state,
                k,
                actions,
                indicators,
                models,
                prof,
                budget.get(pk(obj), {}),
                plan_semesters,
                split_ind,
                subs,
                result,
            )
            if snapshots and state == ReportState.APPROVATA:
                session.flush()
                report.approved_snapshot = report_snapshot(session, report, pk(obj))
    result.targets = _add_targets(session, rng, models, plan)
    mark_database(session=session, seed=seed)  # every export of this database now says it is a demo
    bump_data_change(session)
    session.flush()
    return result


def _report(
    session: Session,
    rng: random.Random,
    obj: Objective,
    sem: Semester,
    state: str,
    k: int,
    actions: list[Action],
    indicators: list[Indicator],
    models: dict[int, _IndicatorModel],
    prof: _Profile,
    budget: dict[str, float],
    plan_semesters: int,
    split_ind: Indicator | None,
    subs: list[int],
    result: GenerateResult,
) -> Report:
    report = Report(objective_id=pk(obj), semester_id=pk(sem), state=state)
    _qualitative(rng, report, state)
    states = {pk(a): _action_state(prof, pk(a), k) for a in actions}  # counts are computed from these (rules)
    session.add(report)
    session.flush()
    result.reports += 1
    for action_id, action_state in states.items():
        session.add(ActionStatus(report_id=pk(report), action_id=action_id, state=action_state))
    for ind in indicators:
        if rng.random() < 0.1:
            continue  # some values are simply not available yet
        num, text = models[pk(ind)].value(rng, k)
        value = IndicatorValue(
            report_id=pk(report),
            indicator_id=pk(ind),
            value_num=num,
            value_text=text,
            note="Dato stimato dal referente" if rng.random() < 0.1 else "",
        )
        session.add(value)
        result.values += 1
        if ind is split_ind and num is not None and subs:
            session.flush()
            for sub_id, part in _split(rng, num, subs).items():
                session.add(SubAreaValue(value_id=pk(value), sub_area_id=sub_id, value=part))
                result.splits += 1
    for source, total in sorted(budget.items()):
        per_semester = total / plan_semesters * prof.spend_factor * min(1.5, prof.pace + 0.3)
        paid = round(per_semester * rng.uniform(0.6, 1.3), 2)
        committed = round(paid * rng.uniform(1.05, 1.5), 2)
        session.add(
            Spend(
                report_id=pk(report),
                source=source,
                committed=committed,
                paid=paid,
                document_ref=f"Det. {rng.randint(100, 999)}/{sem.year}",
            )
        )
        result.spend_rows += 1
    return report


def ensure_demo_accounts(session: Session) -> list[str]:
    """Create the demo accounts that are missing (existing ones are left as they are, an address added)."""
    from models.users import create_user, get_user, set_email

    created = []
    for acc in DEMO_ACCOUNTS:
        existing = get_user(session, acc.username)
        if existing is not None and not existing.email:
            set_email(session, actor=None, user_id=pk(existing), email=acc.email)
        if existing is None:
            create_user(
                session,
                actor=None,
                username=acc.username,
                name=acc.name,
                role=acc.role,
                areas=list(acc.areas),
                password=acc.password,
                one_time=False,
                email=acc.email,
            )
            created.append(acc.username)
    return created


def has_semester_data(session: Session) -> bool:
    """Any report at all (the first start already opens the current, empty semester)."""
    return bool(session.exec(select(func.count(col(Report.id)))).one())


def main() -> int:
    from models.config import DEFAULT_DB_PATH, database_url, demo_mode, ensure_cookie_key
    from models.db import get_engine, session_scope
    from models.startup import admin_banner, prepare_database

    url = database_url()
    # Demo accounts have public passwords: never write them into the real database.
    if not demo_mode() or url == f"sqlite:///{DEFAULT_DB_PATH}":
        print(
            "models.demo: serve PDZ_DEMO=1 e un database dimostrativo distinto da quello reale (usare `make demo`).",
            file=sys.stderr,
        )
        return 2
    try:
        ensure_cookie_key()
        engine = get_engine(url)
        started = prepare_database(engine)
        if started.admin_password:
            print(admin_banner(started.admin_password), flush=True)
        with session_scope(engine) as session:
            created = ensure_demo_accounts(session)
            if has_semester_data(session):
                mark_database(session=session, seed=DEMO_SEED)  # a demo database generated before the marker
                print("Database dimostrativo già popolato: dati lasciati come sono.")
            else:
                plan = plans.current_plan_row(session)
                if plan is None:
                    raise InputRefused("Piano non caricato: nessun piano nel database.")
                result = generate(session, seed=DEMO_SEED, semesters=semesters_until(date.today(), plan.first_year))
                print(
                    f"Dati dimostrativi generati: {result.semesters} semestri, {result.reports} report, "
                    f"{result.values} valori di indicatori, {result.spend_rows} righe di spesa."
                )
    except DomainError as exc:  # ConfigError, DatabaseError, PlanFileError, InputRefused
        print(f"Errore: {exc}", file=sys.stderr)
        return 1
    if created:
        print("Account dimostrativi: " + ", ".join(f"{a.username} / {a.password}" for a in DEMO_ACCOUNTS))
    return 0


if __name__ == "__main__":
    sys.exit(main())
