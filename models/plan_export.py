"""The plan as an Excel workbook, for the page and `make export-plan`: the sheets Obiettivi, Azioni, Indicatori,
Budget, and beside them what rebuilding the plan needs (Piano, Aree, Punti chiave, Sotto-ambiti, Comuni, Schede,
Caratteristiche; layout in models/plan_sheets.py). Importing the file (models/plan_workbook.py) into an empty
database gives the same plan: the round trip is tested record for record.

Every text cell is written as text: a plan text starting with = + - @ comes out as that literal text, never as a
formula (Excel would run it when the file is opened or the cell edited: spreadsheet formula injection).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from openpyxl import Workbook
from sqlmodel import Session, col, select

from models import plans
from models.budget_rules import BudgetKind
from models.demo_mark import demo_file_name, mark_workbook
from models.plan_browser import BudgetView, target_label, yes_no
from models.plan_sheets import FLAG_LABELS, ORIGIN_DOCUMENT, PIANO_FIELDS, SERVICE_KINDS, SHEETS, WHOLE_CARD
from models.provenance import BUDGET, TARGET, set_by, target_origin
from models.tables import (
    Action,
    BudgetLine,
    BudgetLineKind,
    Card,
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
from models.vocab import UNIT_LABELS, Battery, Unit
from models.xlsx import EURO_FORMAT, FORMULA_STARTS, MIME, table_sheet, to_bytes

__all__ = ["EURO_FORMAT", "FORMULA_STARTS", "MIME", "SHEETS", "export_plan_xlsx", "file_name"]


def file_name(*, session: Session, plan_id: int | None = None) -> str:
    plan = plans.plan_row(session, plan_id)
    years = f"_{plan.first_year}_{plan.last_year}" if plan else ""
    return demo_file_name(f"piano_di_zona{years}.xlsx", session=session)


def _plan_rows(session: Session, plan: Plan | None) -> dict[str, list[list[Any]]]:
    """One plan's rows (every record when the database holds no plan)."""
    plan_id = plan.id if plan else None
    areas = {a.id: a for a in session.exec(select(MacroArea).where(*plans.areas_of(plan_id)))}
    cards = {c.id: c for c in session.exec(select(Card).where(*plans.cards_of(plan_id)))}
    objectives = sorted(
        session.exec(select(Objective).where(Objective.retired == False, *plans.objectives_of(plan_id))).all(),
        key=lambda o: (areas[o.area_id].position, cards[o.card_id].position, o.position),
    )
    # a retired objective's lines keep its code; a predecessor is named by its code in the previous plan
    codes = {o.id: o.code for o in session.exec(select(Objective))}
    actions = defaultdict(list)
    for a in session.exec(select(Action).order_by(col(Action.position))):
        actions[a.objective_id].append(a)
    indicators = defaultdict(list)
    for i in session.exec(select(Indicator).where(Indicator.retired == False)):
        indicators[i.objective_id].append(i)
    targets = defaultdict(list)  # the Indicatori sheet's summary: years with a target
    per_year = defaultdict(list)  # the Target sheet: every year with a baseline or a target
    origins = set_by(session, TARGET)
    for t in session.exec(select(IndicatorTarget).order_by(col(IndicatorTarget.year))):
        origin = target_origin(origins, pk(t)).label
        if t.target is not None:
            targets[t.indicator_id].append((t.year, t.target, origin))
        if t.target is not None or t.baseline is not None:
            per_year[t.indicator_id].append((t.year, t.baseline, t.target, origin))
    battery_order = tuple(Battery)

    rows: dict[str, list[list[Any]]] = {name: [] for name in SHEETS}
    _frame_rows(plan, session, rows, areas, cards)
    for o in objectives:
        letter = areas[o.area_id].letter
        before = codes.get(o.predecessor_id) if o.predecessor_id else None
        rows["Obiettivi"].append([letter, cards[o.card_id].code, o.code, o.kind, o.text, o.line, before])
        for a in actions[pk(o)]:  # retired actions too: their semester history refers to them
            rows["Azioni"].append([letter, o.code, a.text, a.line, yes_no(a.retired)])
        for i in sorted(indicators[pk(o)], key=lambda i: (battery_order.index(i.battery), i.position)):
            rows["Indicatori"].append(
                [
                    letter,
                    o.code,
                    i.battery,
                    i.text,
                    UNIT_LABELS.get(Unit(i.unit), i.unit),
                    yes_no(i.higher_is_better),
                    target_label(targets[pk(i)]).replace(" · ", "; "),
                    i.line,
                ]
            )
            for year, baseline, target, origin in per_year[pk(i)]:
                rows["Target"].append([letter, o.code, i.text, year, baseline, target, origin])

    lines = session.exec(
        select(BudgetLine).where(BudgetLine.retired == False, col(BudgetLine.card_id).in_(cards))
    ).all()
    kinds = dict(session.exec(select(BudgetLineKind.budget_line_id, BudgetLineKind.kind)).all())
    budget_origins = set_by(session, BUDGET)
    lines = sorted(
        lines,
        key=lambda b: (
            areas[cards[b.card_id].area_id].position,
            cards[b.card_id].position,
            b.origin != "piano",
            b.year or 0,
            b.id,
        ),
    )
    for b in lines:
        card = cards[b.card_id]
        view = BudgetView(
            None,
            b.item,
            b.source,
            b.public,
            b.amount,
            b.approximate,
            b.to_be_completed,
            b.year,
            b.text,
            b.line,
            b.origin,
            kinds.get(pk(b), BudgetKind.PREVENTIVATO),
            budget_origins.get(pk(b)),
        )
        rows["Budget"].append(
            [
                areas[card.area_id].letter,
                card.code,
                codes.get(b.objective_id) or f"{WHOLE_CARD} {card.code}",
                b.item,
                b.text if b.text != b.item else None,  # the import reads an empty one as the Voce
                view.source_label,
                b.amount,
                view.public_label,
                yes_no(b.approximate),
                yes_no(b.to_be_completed),
                b.line,
                b.year,
                ORIGIN_DOCUMENT if b.origin == "piano" else view.origin_label,
                view.kind_label,
            ]
        )
    return rows


def _frame_rows(
    plan: Plan | None, session: Session, rows: dict[str, list[list[Any]]], areas: dict, cards: dict
) -> None:
    """Plan header, areas, key points, sub-areas, municipalities, cards and their yes/no fields."""
    if plan is not None:
        rows["Piano"] = [[label, getattr(plan, key)] for key, label in PIANO_FIELDS.items()]
    for area in sorted(areas.values(), key=lambda a: a.position):
        rows["Aree"].append([area.letter, area.title, area.line])
        for p in session.exec(select(KeyPoint).where(KeyPoint.area_id == area.id).order_by(col(KeyPoint.position))):
            rows["Punti chiave"].append([area.letter, p.text, p.line])
    for sub in session.exec(select(SubArea).order_by(col(SubArea.position))):
        rows["Sotto-ambiti"].append([sub.code, sub.name, sub.line])
        for m in session.exec(
            select(Municipality).where(Municipality.sub_area_id == sub.id).order_by(col(Municipality.id))
        ):
            rows["Comuni"].append([sub.code, m.name])
    for card in sorted(cards.values(), key=lambda c: c.position):
        details = card.details or {}
        rows["Schede"].append(
            [
                areas[card.area_id].letter,
                card.code,
                card.title,
                card.line,
                card.target_group,
                details.get("target_group_line"),
                card.staff,
                details.get("staff_line"),
                card.transversal_areas,
                card.transversal_text,
                details.get("transversal_line"),
                SERVICE_KINDS.get(card.service_kind or ""),
                details.get("service_kind_text"),
                details.get("service_kind_line"),
            ]
        )
        flags = details.get("flags") or {}
        for key, label in FLAG_LABELS.items():
            flag = flags.get(key) or {}
            rows["Caratteristiche"].append(
                [card.code, label, yes_no(flag.get("value")), flag.get("text"), flag.get("line")]
            )


def export_plan_xlsx(*, session: Session, plan_id: int | None = None) -> bytes:
    """One plan (the current one by default) as an .xlsx file: one sheet per record kind, ready to filter and
    print."""
    plan = plans.plan_row(session, plan_id)
    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in _plan_rows(session, plan).items():
        table_sheet(wb, title, SHEETS[title], rows)
    wb.properties.title = plan.title if plan else "Piano di Zona"
    wb.properties.creator = "Monitoraggio Piano di Zona"
    mark_workbook(wb, session=session)  # table sheets: their header rows stay column names
    return to_bytes(wb)
