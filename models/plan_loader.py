"""Load the plan (read and validated by models.plan_yaml, or from a workbook by models.plan_workbook) into the
database: the one loader core for both sources.

Loading is idempotent, and a changed file updates the plan without losing entered data: records are matched
by their code (areas, cards, objectives) or text (actions, indicators, budget lines); a record that left the
file is retired, never deleted, so every semester value keeps its indicator and action.
At start-up (models/startup.py: `keep_office_edits`) the plan files never undo what the Ufficio di Piano did to an
action or indicator in the app (the audit trail names it): its text and retirement stay, and one it added is
neither paired with a file record by position nor retired; the report lists what the files would have changed.
Plans follow one another in one database (models/plans.py): a source with the years of a plan in the database
updates that plan; with new years it creates a new plan beside the others, whose records it never touches
(codes repeat across plans: every lookup is within the plan); years overlapping another plan's are refused.
Over 400 lines: one walk over the plan's records (plan, areas, cards, objectives, children, targets, history),
each step writing with the same report; split, each would need the others' maps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from models import plans
from models.audit import office_plan_items
from models.budget_rules import BudgetKind
from models.db import bump_data_change
from models.errors import InputRefused
from models.plan_yaml import DEFAULT_SOURCE, PlanData, read_plan
from models.tables import (
    Action,
    BudgetLine,
    BudgetLineKind,
    Card,
    HistoricalOutcome,
    Indicator,
    IndicatorTarget,
    KeyPoint,
    MacroArea,
    Municipality,
    Objective,
    Plan,
    SubArea,
    pk,
)

# --- writing ----------------------------------------------------------------------------------


@dataclass
class LoadReport:
    """Counts of what a load wrote, and the same as lists of Italian labels (the import's preview shows them)."""

    inserted: int = 0
    updated: int = 0
    retired: int = 0
    created_items: list[str] = field(default_factory=list)
    changed_items: list[str] = field(default_factory=list)
    retired_items: list[str] = field(default_factory=list)
    targets_set: list[int] = field(default_factory=list)  # IndicatorTarget ids written: their setter is recorded
    kept_items: list[str] = field(default_factory=list)  # the office's changes the files would have undone

    @property
    def changed(self) -> bool:
        return bool(self.inserted or self.updated or self.retired)

    def insert(self, label: str) -> None:
        self.inserted += 1
        self.created_items.append(label)

    def update(self, label: str) -> None:
        self.updated += 1
        self.changed_items.append(label)

    def retire(self, label: str) -> None:
        self.retired += 1
        self.retired_items.append(label)


def _short(text: str, limit: int = 70) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _apply(row: Any, values: dict, report: LoadReport, label: str) -> None:
    changed = False
    for key, value in values.items():
        if getattr(row, key) != value:
            setattr(row, key, value)
            changed = True
    if changed:
        if hasattr(row, "version") and row.id is not None:
            row.version += 1
        report.update(label)


@dataclass(frozen=True)
class OfficeRows:
    """Rows of one kind the Ufficio di Piano changed in the app, and those it added (models.audit)."""

    changed: frozenset[int] = frozenset()
    added: frozenset[int] = frozenset()


def _match_by_text(
    existing: list, wanted: list[dict], added: frozenset[int] = frozenset()
) -> list[tuple[Any | None, dict]]:
    """Pair existing rows with wanted records: same text first, then leftovers by position (never a row added in
    the app: it is no file record's)."""
    free = list(existing)
    pairs: list[tuple[Any | None, dict]] = []
    for record in wanted:
        hit = next((row for row in free if row.text == record["text"]), None)
        if hit is not None:
            free.remove(hit)
        pairs.append((hit, record))
    for i, (hit, record) in enumerate(pairs):
        spare = None if hit is not None else next((row for row in free if row.id not in added), None)
        if spare is not None:
            free.remove(spare)
            pairs[i] = (spare, record)
    return pairs + [(row, {}) for row in free]  # leftovers: to retire


def _sync_children(
    session: Session,
    model: type,
    parent: dict,
    existing: list,
    wanted: list[dict],
    make: Any,
    report: LoadReport,
    what: str,
    office: OfficeRows = OfficeRows(),
) -> None:
    """`what` names the parent in the report's labels, e.g. "azione di A.1". A row in `office.changed` is left
    as the Ufficio di Piano set it."""
    for position, (row, record) in enumerate(_match_by_text(existing, wanted, office.added)):
        if row is not None and row.id in office.changed:
            # The text and the retirement are the office's; the rest (document line, order, kind) is the file's.
            if record:
                values = {key: value for key, value in make(record, position).items() if key != "text"}
                _apply(row, values, report, f"{what}: {_short(row.text)}")
                contradicted = row.text != record["text"] or row.retired
            else:
                contradicted = not row.retired and row.id not in office.added
            if contradicted:
                report.kept_items.append(f"{what}: {_short(row.text)}")
            continue
        if not record:  # a leftover row (never None): retired
            assert row is not None
            if not row.retired:
                row.retired = True
                row.version += 1
                report.retire(f"{what}: {_short(row.text)}")
            continue
        values = make(record, position)
        if row is None:
            session.add(model(**parent, **values))
            report.insert(f"{what}: {_short(values['text'])}")
        else:
            _apply(row, {**values, "retired": False}, report, f"{what}: {_short(values['text'])}")


def load_plan(session: Session, data: PlanData | None = None, *, keep_office_edits: bool = False) -> LoadReport:
    """Write the plan into the session's transaction (the caller commits). Idempotent. `keep_office_edits`: the
    plan files at start-up, which never undo the office's changes made in the app (a workbook imported in the
    app, or from the command line, is the office's latest word and is written as it is)."""
    data = data or read_plan()
    report = LoadReport()
    office = {"action": OfficeRows(), "indicator": OfficeRows()}
    if keep_office_edits:
        office = {kind: OfficeRows(frozenset(c), frozenset(a)) for kind, (c, a) in office_plan_items(session).items()}
    plan = _plan_of_years(session, data.header)
    if plan is None:
        new_beside_others = session.exec(select(Plan.id)).first() is not None
        plan = Plan(**{"source": DEFAULT_SOURCE, **data.header})
        session.add(plan)
        session.flush()
        years = f"{plan.first_year}-{plan.last_year}"
        report.insert(
            f"nuovo piano {years}: {data.header['title']}" if new_beside_others else f"piano: {data.header['title']}"
        )
        _attach_history(session, plan)
    else:
        _apply(plan, data.header, report, f"piano: {data.header['title']}")

    for position, record in enumerate(data.sub_areas):
        sub = session.exec(select(SubArea).where(SubArea.code == record["code"])).first()
        created = sub is None  # a new record's parts are part of its creation, not changes
        values = {"name": record["name"] or record["code"], "position": position, "line": record["line"]}
        if sub is None:
            sub = SubArea(code=record["code"], **values)
            session.add(sub)
            session.flush()
            report.insert(f"sotto-ambito {record['code']}")
        else:
            _apply(sub, values, report, f"sotto-ambito {record['code']}")
        names = [m.name for m in session.exec(select(Municipality).where(Municipality.sub_area_id == sub.id))]
        if names != record["municipalities"]:
            for m in session.exec(select(Municipality).where(Municipality.sub_area_id == sub.id)):
                session.delete(m)
            for name in record["municipalities"]:
                session.add(Municipality(sub_area_id=pk(sub), name=name))
            if not created:
                report.update(f"comuni del sotto-ambito {record['code']}")

    areas: dict[str, MacroArea] = {}
    for position, record in enumerate(data.areas):
        area = session.exec(
            select(MacroArea).where(MacroArea.plan_id == plan.id, MacroArea.letter == record["letter"])
        ).first()
        created = area is None
        values = {"title": record["title"], "position": position, "line": record["line"]}
        if area is None:
            area = MacroArea(plan_id=pk(plan), letter=record["letter"], **values)
            session.add(area)
            session.flush()
            report.insert(f"area {record['letter']}")
        else:
            _apply(area, values, report, f"area {record['letter']}")
        areas[record["letter"]] = area
        points = list(
            session.exec(select(KeyPoint).where(col(KeyPoint.area_id) == area.id).order_by(col(KeyPoint.position)))
        )
        if [(p.text, p.line) for p in points] != [(p["text"], p["line"]) for p in record["key_points"]]:
            for p in points:
                session.delete(p)
            for i, p in enumerate(record["key_points"]):
                session.add(KeyPoint(area_id=pk(area), text=p["text"], line=p["line"], position=i))
            if not created:
                report.update(f"punti chiave dell'area {record['letter']}")

    seen_objectives: set[int] = set()
    existing = _Existing(session, plan)
    for position, record in enumerate(data.cards):
        _load_card(session, plan, areas[record["area"]], record, position, report, seen_objectives, existing, office)
    for obj in session.exec(
        select(Objective).join(Card, col(Card.id) == Objective.card_id).where(Card.plan_id == plan.id)
    ):
        if obj.id not in seen_objectives and not obj.retired:
            obj.retired = True
            obj.version += 1
            report.retire(f"obiettivo {obj.code}")
    session.flush()
    _link_predecessors(session, plan, data, report)
    _sync_targets(session, plan, data, report)
    if data.history is not None:  # None: a plan source without the 2021-2023 outcomes leaves them as they are
        _load_history(session, plan, data.history, report)
    session.flush()
    if report.changed:  # cached plan views and figures (Il Piano, Cruscotto) must read the plan again
        bump_data_change(session)
    return report


class _Existing:
    """The plan's objectives with their actions and indicators, read in three queries instead of three per
    objective (a hundred-times plan: 16,000 queries at every start). A code met a second time in this load is
    read from the session as before, so that what this load has just written is seen."""

    def __init__(self, session: Session, plan: Plan) -> None:
        self.objectives: dict[str, Objective] = {}
        for obj in session.exec(
            select(Objective)
            .join(Card, col(Card.id) == Objective.card_id)
            .where(Card.plan_id == plan.id)
            .order_by(col(Objective.id))
        ):
            self.objectives.setdefault(obj.code, obj)
        ids = [pk(o) for o in self.objectives.values()]
        self.rows: dict[type, dict[int, list[Any]]] = {}
        model: Any
        for model in (Action, Indicator):
            grouped: dict[int, list[Any]] = {}
            for chunk in range(0, len(ids), 900):  # SQLite's limit on bound parameters
                for row in session.exec(
                    select(model)
                    .where(col(model.objective_id).in_(ids[chunk : chunk + 900]))
                    .order_by(col(model.objective_id), col(model.position), col(model.id))
                ):
                    grouped.setdefault(row.objective_id, []).append(row)
            self.rows[model] = grouped
        self.fresh = set(self.objectives)  # codes whose rows above are still what the database holds

    def objective(self, session: Session, plan: Plan, code: str) -> Objective | None:
        if code in self.fresh:
            return self.objectives[code]
        return session.exec(
            select(Objective)
            .join(Card, col(Card.id) == Objective.card_id)
            .where(Card.plan_id == plan.id, Objective.code == code)
        ).first()

    def children(self, session: Session, model: Any, obj: Objective) -> list[Any]:
        if obj.code in self.fresh and model in self.rows:
            rows = self.rows[model].get(pk(obj), [])
            if model is Indicator:  # both read: the code's next meeting reads the session
                self.fresh.discard(obj.code)
            return rows
        return list(session.exec(select(model).where(col(model.objective_id) == obj.id).order_by(col(model.position))))


def _plan_of_years(session: Session, header: dict) -> Plan | None:
    """The plan with the source's years (to update), None for new years; an overlap is refused."""
    first, last = header["first_year"], header["last_year"]
    for other in session.exec(select(Plan)):
        if (other.first_year, other.last_year) == (first, last):
            return other
        if other.first_year <= last and first <= other.last_year:
            raise InputRefused(
                f"Gli anni del piano ({first}-{last}) si sovrappongono a quelli del piano {other.first_year}-"
                f"{other.last_year} già presente: un nuovo piano comincia dopo l'ultimo anno del precedente, "
                "e un piano esistente si aggiorna con gli stessi anni."
            )
    return None


def _attach_history(session: Session, plan: Plan) -> None:
    """A new plan's history page: the final results of the plan closed before it (models/plan_closing.py)."""
    previous = plans.previous_plan(session, plan)
    if previous is None:
        return
    for row in session.exec(
        select(HistoricalOutcome).where(
            HistoricalOutcome.closed_plan_id == previous.id, col(HistoricalOutcome.plan_id).is_(None)
        )
    ):
        row.plan_id = pk(plan)


def _link_predecessors(session: Session, plan: Plan, data: PlanData, report: LoadReport) -> None:
    """Objectives carried over name their predecessor by code (models/plan_workbook.py checks it exists in the
    previous plan); a source that names none leaves a link set in the app as it is."""
    named = [o for c in data.cards for o in c["objectives"] if o.get("predecessor")]
    if not named:
        return
    wanted = {o["code"]: o["predecessor"] for o in named}
    cells = {o["code"]: o.get("predecessor_cell") or f"obiettivo {o['code']}" for o in named}
    previous = plans.previous_plan(session, plan)
    if previous is None:
        first = next(iter(cells.values()))
        raise InputRefused(
            f"{first}, Obiettivo precedente: nel database non c'è un piano precedente a cui collegare gli obiettivi."
        )
    earlier = _objectives_by_code(session, previous, set(wanted.values()))
    ours = _objectives_by_code(session, plan, set(wanted))
    for code, before in wanted.items():
        if before not in earlier:
            raise InputRefused(
                f"{cells[code]}, Obiettivo precedente: «{before}» non è un obiettivo del piano precedente "
                f"({previous.first_year}-{previous.last_year})."
            )
        if ours[code].predecessor_id != pk(earlier[before]):
            ours[code].predecessor_id = pk(earlier[before])
            report.update(f"obiettivo precedente di {code}: {before}")


def _objectives_by_code(session: Session, plan: Plan, codes: set[str]) -> dict[str, Objective]:
    return {
        o.code: o
        for o in session.exec(
            select(Objective)
            .join(Card, col(Card.id) == Objective.card_id)
            .where(Card.plan_id == plan.id, col(Objective.code).in_(codes))
        )
    }


def _sync_targets(session: Session, plan: Plan, data: PlanData, report: LoadReport) -> None:
    """Baseline and target per year of the indicators whose records carry them (the workbook's sheet Target):
    written where new or different; a target the source does not mention is left as it is."""
    wanted = {
        (o["code"], i["text"]): i["targets"]
        for card in data.cards
        for o in card["objectives"]
        for i in o["indicators"]
        if i.get("targets")
    }
    if not wanted:
        return
    codes = {code for code, _ in wanted}
    found = session.exec(
        select(Objective.code, Indicator)
        .join(Indicator, col(Indicator.objective_id) == Objective.id)
        .join(Card, col(Card.id) == Objective.card_id)
        .where(
            Card.plan_id == plan.id,
            col(Objective.code).in_(codes),
            Objective.retired == False,
            Indicator.retired == False,
        )
    ).all()
    indicators = {(code, ind.text): ind for code, ind in found}
    existing = {
        (t.indicator_id, t.year): t
        for t in session.exec(
            select(IndicatorTarget).where(col(IndicatorTarget.indicator_id).in_([pk(i) for i in indicators.values()]))
        )
    }
    written: list[IndicatorTarget] = []
    for (code, text), targets in wanted.items():
        ind = indicators[(code, text)]
        for t in targets:
            label = f"target {t['year']} di {code}: {_short(text)}"
            row = existing.get((pk(ind), t["year"]))
            if row is None:
                row = IndicatorTarget(indicator_id=pk(ind), year=t["year"], baseline=t["baseline"], target=t["target"])
                session.add(row)
                report.insert(label)
            elif (row.baseline, row.target) != (t["baseline"], t["target"]):
                row.baseline, row.target = t["baseline"], t["target"]
                row.version += 1
                report.update(label)
            else:
                continue
            written.append(row)
    session.flush()
    report.targets_set += [pk(row) for row in written]


def _load_card(
    session: Session,
    plan: Plan,
    area: MacroArea,
    record: dict,
    position: int,
    report: LoadReport,
    seen_objectives: set[int],
    existing: _Existing,
    office: dict[str, OfficeRows],
) -> None:
    card = session.exec(select(Card).where(Card.plan_id == plan.id, Card.code == record["code"])).first()
    details = {
        "flags": record["flags"],
        "target_group_line": record["target_group"]["line"],
        "staff_line": record["staff"]["line"],
        "transversal_line": record["transversal"]["line"],
        "service_kind_text": record["service_kind"]["text"],
        "service_kind_line": record["service_kind"]["line"],
    }
    values = {
        "area_id": area.id,
        "title": record["title"],
        "position": position,
        "line": record["line"],
        "target_group": record["target_group"]["text"],
        "staff": record["staff"]["text"],
        "transversal_areas": ",".join(record["transversal"]["areas"]),
        "transversal_text": record["transversal"]["text"],
        "service_kind": record["service_kind"]["value"],
        "details": details,
    }
    if card is None:
        card = Card(plan_id=pk(plan), code=record["code"], **values)
        session.add(card)
        session.flush()
        report.insert(f"scheda {record['code']}")
    else:
        _apply(card, values, report, f"scheda {record['code']}")

    objectives: dict[str, Objective] = {}
    for pos, o in enumerate(record["objectives"]):
        obj = existing.objective(session, plan, o["code"])
        values = {
            "card_id": card.id,
            "area_id": area.id,
            "kind": o["kind"],
            "text": o["text"],
            "position": pos,
            "line": o["line"],
            "retired": False,
        }
        if obj is None:
            obj = Objective(code=o["code"], **values)
            session.add(obj)
            session.flush()
            report.insert(f"obiettivo {o['code']}")
        else:
            _apply(obj, values, report, f"obiettivo {o['code']}")
        objectives[o["code"]] = obj
        seen_objectives.add(pk(obj))
        actions = existing.children(session, Action, obj)
        _sync_children(
            session,
            Action,
            {"objective_id": obj.id},
            actions,
            o["actions"],
            lambda r, p: {"text": r["text"], "line": r["line"], "position": p},
            report,
            f"azione di {o['code']}",
            office["action"],
        )
        indicators = existing.children(session, Indicator, obj)
        _sync_children(
            session,
            Indicator,
            {"objective_id": obj.id},
            indicators,
            o["indicators"],
            lambda r, p: {
                "text": r["text"],
                "line": r["line"],
                "position": p,
                "battery": r["battery"],
                "unit": r["unit"],
                "higher_is_better": r["higher_is_better"],
            },
            report,
            f"indicatore di {o['code']}",
            office["indicator"],
        )

    lines = list(
        session.exec(
            select(BudgetLine)
            .where(BudgetLine.card_id == card.id, BudgetLine.origin == "piano")
            .order_by(col(BudgetLine.id))
        )
    )
    wanted = [{**b, "text": b["text"] or b["item"]} for b in record["budget"]]
    _sync_children(
        session,
        BudgetLine,
        {"card_id": card.id, "origin": "piano"},
        lines,
        wanted,
        lambda r, p: {
            "text": r["text"],
            "item": r["item"],
            "source": r["source"],
            "public": r["public"],
            "amount": r["amount"],
            "approximate": r["approximate"],
            "to_be_completed": r["to_be_completed"],
            "year": r["year"],
            "line": r["line"],
            "objective_id": objectives[r["objective"]].id if r["objective"] else None,
        },
        report,
        f"voce di budget della scheda {record['code']}",
    )
    _sync_budget_kinds(session, card, wanted, report, {pk(line) for line in lines})


def _sync_budget_kinds(session: Session, card: Card, wanted: list[dict], report: LoadReport, old: set[int]) -> None:
    """One BudgetLineKind row per live document line that is not *preventivato* (matched by text and line).
    The kind of a line created by this load (not in `old`) is part of its creation, not a change."""
    session.flush()
    kinds = {(r["text"], r["line"]): r["kind"] for r in wanted}
    for line in session.exec(select(BudgetLine).where(BudgetLine.card_id == card.id, BudgetLine.origin == "piano")):
        kind = kinds.get((line.text, line.line), BudgetKind.PREVENTIVATO) if not line.retired else None
        row = session.get(BudgetLineKind, line.id)
        if kind in (None, BudgetKind.PREVENTIVATO):
            if row is not None:
                session.delete(row)
                report.update(f"natura della voce di budget: {_short(line.text)}")
        elif row is None:
            session.add(BudgetLineKind(budget_line_id=pk(line), kind=kind))
            if pk(line) in old:
                report.update(f"natura della voce di budget: {_short(line.text)}")
        elif row.kind != kind:
            row.kind = kind
            report.update(f"natura della voce di budget: {_short(line.text)}")


def _load_history(session: Session, plan: Plan, history: list[dict], report: LoadReport) -> None:
    """The source's outcomes of the plan before (the document's 2021-2023 ones): this plan's history page."""
    rows = list(
        session.exec(
            select(HistoricalOutcome)
            .where(HistoricalOutcome.plan_id == plan.id, col(HistoricalOutcome.closed_plan_id).is_(None))
            .order_by(col(HistoricalOutcome.position))
        )
    )
    for position, record in enumerate(history):
        values = {**record, "position": position, "plan_id": pk(plan)}
        label = f"esito 2021-2023: {_short(record['objective'])}"
        if position < len(rows):
            _apply(rows[position], values, report, label)
        else:
            session.add(HistoricalOutcome(**values))
            report.insert(label)
    for row in rows[len(history) :]:
        session.delete(row)
        report.retire(f"esito 2021-2023: {_short(row.objective)}")
