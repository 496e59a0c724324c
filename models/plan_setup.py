"""Plan set-up by the Ufficio di Piano (Piano Operativo Annuale): targets, indicators, actions, budgets,
sub-areas, shared projects. Every write checks the role and goes to the audit trail.

Over 400 lines: one small write function per set-up form, all sharing the same checks and audit."""

from __future__ import annotations

from fractions import Fraction

from sqlmodel import Session, col, select

from models.audit import PLAN_ITEM_ADDED, record_change
from models.db import bump_data_change
from models.permissions import Actor, require_office
from models.provenance import BUDGET, TARGET, Origin, record_set_by, set_by, target_origin
from models.shares import ShareError, Split, parse_fraction, split_total
from models.tables import (
    Action,
    BudgetLine,
    Indicator,
    IndicatorTarget,
    Objective,
    ObjectiveSubArea,
    PartnerShare,
    SharedProject,
    SubArea,
    pk,
)
from models.validation import EURO, FieldError, clean_number, clean_target, clean_text
from models.vocab import Battery, FundingSource, Unit, battery_rank


def _objective(session: Session, objective_id: int) -> Objective:
    obj = session.get(Objective, objective_id)
    if obj is None:
        raise FieldError("Obiettivo", "non trovato.")
    return obj


def set_target(
    indicator_id: int, year: int, baseline: object, target: object, *, actor: Actor, session: Session
) -> IndicatorTarget:
    require_office(actor, "l'impostazione dei target")
    ind = session.get(Indicator, indicator_id)
    if ind is None:
        raise FieldError("Indicatore", "non trovato.")
    base, tgt = clean_target(ind.unit, baseline, target)
    row = session.exec(
        select(IndicatorTarget).where(IndicatorTarget.indicator_id == indicator_id, IndicatorTarget.year == year)
    ).first()
    old = (row.baseline, row.target) if row else (None, None)
    if row is None:
        row = IndicatorTarget(indicator_id=indicator_id, year=year)
    else:
        row.version += 1
    row.baseline, row.target = base, tgt
    session.add(row)
    session.flush()
    record_set_by(session, actor, TARGET, pk(row))  # shown beside the target: never mistaken for the document's
    for name, before, after in (("Baseline", old[0], base), ("Target", old[1], tgt)):
        record_change(
            session,
            actor,
            entity="indicatortarget",
            entity_id=row.id,
            field=f"{name} {year}: {ind.text[:60]}",
            old=before,
            new=after,
            objective_id=ind.objective_id,
        )
    bump_data_change(session)
    return row


def targets_for_year(objective_id: int, year: int, *, session: Session) -> dict[int, tuple[float | None, float | None]]:
    ids = list(session.exec(select(Indicator.id).where(Indicator.objective_id == objective_id)))
    rows = session.exec(
        select(IndicatorTarget).where(col(IndicatorTarget.indicator_id).in_(ids), IndicatorTarget.year == year)
    )
    return {r.indicator_id: (r.baseline, r.target) for r in rows}


def target_origins_for_year(objective_id: int, year: int, *, session: Session) -> dict[int, Origin]:
    """indicator id -> where its target for the year comes from (provenance.Origin)."""
    ids = list(session.exec(select(Indicator.id).where(Indicator.objective_id == objective_id)))
    rows = session.exec(
        select(IndicatorTarget).where(col(IndicatorTarget.indicator_id).in_(ids), IndicatorTarget.year == year)
    ).all()
    found = set_by(session, TARGET, [pk(r) for r in rows])
    return {r.indicator_id: target_origin(found, pk(r)) for r in rows}


def add_indicator(
    objective_id: int,
    battery: str,
    text: str,
    unit: str,
    *,
    actor: Actor,
    session: Session,
    higher_is_better: bool = True,
) -> Indicator:
    require_office(actor, "l'aggiunta di indicatori")
    _objective(session, objective_id)
    if battery not in tuple(Battery):
        raise FieldError("Tipo di indicatore", "scegliere processo, output o outcome.")
    if unit not in tuple(Unit):
        raise FieldError("Unità", "scegliere numero, percentuale, sì/no o testo.")
    text = clean_text(text, "Indicatore", limit=500)
    if not text:
        raise FieldError("Indicatore", "il testo è obbligatorio.")
    position = len(session.exec(select(Indicator.id).where(Indicator.objective_id == objective_id)).all())
    ind = Indicator(
        objective_id=objective_id,
        battery=battery,
        text=text,
        unit=unit,
        higher_is_better=higher_is_better,
        position=position,
    )
    session.add(ind)
    session.flush()
    record_change(
        session,
        actor,
        entity="indicator",
        entity_id=ind.id,
        field=PLAN_ITEM_ADDED["indicator"],
        old=None,
        new=f"{battery}: {text}",
        objective_id=objective_id,
    )
    bump_data_change(session)  # figures are computed from the plan: cached dashboards must read again
    return ind


def add_action(objective_id: int, text: str, *, actor: Actor, session: Session) -> Action:
    require_office(actor, "l'aggiunta di azioni")
    _objective(session, objective_id)
    text = clean_text(text, "Azione", limit=1000)
    if not text:
        raise FieldError("Azione", "il testo è obbligatorio.")
    position = len(session.exec(select(Action.id).where(Action.objective_id == objective_id)).all())
    action = Action(objective_id=objective_id, text=text, position=position)
    session.add(action)
    session.flush()
    record_change(
        session,
        actor,
        entity="action",
        entity_id=action.id,
        field=PLAN_ITEM_ADDED["action"],
        old=None,
        new=text,
        objective_id=objective_id,
    )
    bump_data_change(session)  # every report of the objective now has one more planned action
    return action


def _plan_item(session: Session, kind: str, item_id: int) -> Action | Indicator:
    """The action or indicator `kind` ("action", "indicator") names; FieldError when there is none."""
    row: Action | Indicator | None
    if kind == "action":
        row = session.get(Action, item_id)
    elif kind == "indicator":
        row = session.get(Indicator, item_id)
    else:
        raise KeyError(kind)
    if row is None:
        raise FieldError("Azione" if kind == "action" else "Indicatore", "non trovato.")
    return row


def edit_text(kind: str, item_id: int, text: str, *, actor: Actor, session: Session) -> None:
    """Edit an action's or indicator's text (history stays attached to the same record)."""
    require_office(actor, "la modifica del piano")
    row = _plan_item(session, kind, item_id)
    label = "Azione" if kind == "action" else "Indicatore"
    text = clean_text(text, label, limit=1000)
    if not text:
        raise FieldError(label, "il testo è obbligatorio.")
    old = row.text
    row.text = text
    row.version += 1
    record_change(
        session,
        actor,
        entity=kind,
        entity_id=row.id,
        field=f"{label}: testo",
        old=old,
        new=text,
        objective_id=row.objective_id,
    )


def set_retired(kind: str, item_id: int, retired: bool, *, actor: Actor, session: Session) -> None:
    """Retire (or restore) an action or indicator: its history stays, it drops out of new semesters."""
    require_office(actor, "il ritiro di azioni e indicatori")
    row = _plan_item(session, kind, item_id)
    if row.retired != retired:
        row.retired = retired
        row.version += 1
        record_change(
            session,
            actor,
            entity=kind,
            entity_id=row.id,
            field=f"{row.text[:60]}: ritirato",
            old=not retired,
            new=retired,
            objective_id=row.objective_id,
        )
        bump_data_change(session)


def set_budget(
    objective_id: int,
    year: int | None,
    source: str,
    amount: object,
    *,
    actor: Actor,
    session: Session,
    public: bool = True,
) -> BudgetLine:
    """The office's budget for an objective, funding source and year (one line per triple)."""
    require_office(actor, "l'impostazione del budget")
    obj = _objective(session, objective_id)
    if source not in tuple(FundingSource):
        raise FieldError("Fonte", f"fonte «{source}» non ammessa.")
    value = clean_number(amount, "Importo", unit=EURO)
    row = session.exec(
        select(BudgetLine).where(
            BudgetLine.objective_id == objective_id,
            BudgetLine.year == year,
            BudgetLine.source == source,
            BudgetLine.origin == "ufficio",
        )
    ).first()
    old = row.amount if row else None
    if row is None:
        row = BudgetLine(
            card_id=obj.card_id,
            objective_id=objective_id,
            year=year,
            source=source,
            origin="ufficio",
            item=f"Budget {year or 'triennio'}",
            text="impostato dall'Ufficio di Piano",
        )
    else:
        row.version += 1
    row.amount, row.public, row.retired = value, public, value is None
    session.add(row)
    session.flush()
    record_set_by(session, actor, BUDGET, pk(row))
    record_change(
        session,
        actor,
        entity="budgetline",
        entity_id=row.id,
        field=f"Budget {source} {year or 'triennio'}",
        old=old,
        new=value,
        objective_id=objective_id,
    )
    bump_data_change(session)
    return row


def set_sub_areas(objective_id: int, codes: list[str], *, actor: Actor, session: Session) -> None:
    """Mark an objective as local to some sub-areas (none: the whole Ambito)."""
    require_office(actor, "l'assegnazione ai sub-ambiti")
    _objective(session, objective_id)
    subs = {s.code: pk(s) for s in session.exec(select(SubArea))}
    unknown = [c for c in codes if c not in subs]
    if unknown:
        raise FieldError("Sub-ambiti", f"codici sconosciuti: {', '.join(unknown)}.")
    current = sorted(c for c, i in subs.items() if session.get(ObjectiveSubArea, (objective_id, i)))
    for row in session.exec(select(ObjectiveSubArea).where(ObjectiveSubArea.objective_id == objective_id)):
        session.delete(row)
    session.flush()
    for code in sorted(set(codes)):
        session.add(ObjectiveSubArea(objective_id=objective_id, sub_area_id=subs[code]))
    record_change(
        session,
        actor,
        entity="objective",
        entity_id=objective_id,
        field="Sub-ambiti",
        old=", ".join(current) or "tutto l'Ambito",
        new=", ".join(sorted(set(codes))) or "tutto l'Ambito",
        objective_id=objective_id,
    )


def objective_sub_areas(objective_id: int, *, session: Session) -> list[str]:
    rows = session.exec(
        select(SubArea.code)
        .join(ObjectiveSubArea, col(ObjectiveSubArea.sub_area_id) == SubArea.id)
        .where(ObjectiveSubArea.objective_id == objective_id)
        .order_by(col(SubArea.position))
    )
    return list(rows)


def _clean_shares(total: object, shares: list[tuple[str, object]]) -> tuple[float, list[str], Split]:
    """The total, the partners and their amounts (shares.split_total), or FieldError in Italian."""
    amount = clean_number(total, "Importo totale", unit=EURO)
    if not amount:
        raise FieldError("Importo totale", "indicare un importo maggiore di zero.")
    names: list[str] = []
    values: list[Fraction | float] = []
    for partner, share in shares:
        partner = clean_text(partner, "Partner", limit=200)
        label = f"Quota di {partner or 'partner'}"
        value: Fraction | float | None
        try:
            value = parse_fraction(share)
        except ShareError as exc:
            raise FieldError(label, str(exc)) from None
        if value is None:
            value = clean_number(share, label, unit=EURO)
        if not partner and value is None:
            continue
        if not partner or value is None:
            raise FieldError(
                "Quote", "ogni riga richiede partner e quota (un importo in euro o una frazione come 1/3)."
            )
        names.append(partner)
        values.append(value)
    if len(names) < 2:
        raise FieldError("Quote", "un progetto condiviso ha almeno due partner.")
    try:
        return amount, names, split_total(amount, values)
    except ShareError as exc:
        raise FieldError("Quote", str(exc)) from None


def preview_shares(total: object, shares: list[tuple[str, object]]) -> str:
    """What saving would store: '6.666,67 € + 6.666,67 € + 6.666,66 € = 20.000,00 € (resto ...)'."""
    _, names, split = _clean_shares(total, shares)
    return split.describe(names)


def save_shared_project(
    name: str,
    total: object,
    shares: list[tuple[str, object]],
    *,
    actor: Actor,
    session: Session,
    objective_id: int | None = None,
    note: str = "",
) -> SharedProject:
    """A supra-zonal project with each partner's share, as euro amounts or fractions (1/3): the amounts are
    derived to the cent and always add up to the total exactly (models/shares.py)."""
    require_office(actor, "i progetti sovrazonali")
    name = clean_text(name, "Progetto", limit=200)
    if not name:
        raise FieldError("Progetto", "il nome è obbligatorio.")
    amount, names, split = _clean_shares(total, shares)
    project = SharedProject(name=name, total=amount, objective_id=objective_id, note=clean_text(note, "Nota"))
    session.add(project)
    session.flush()
    for partner, value in zip(names, split.amounts):
        session.add(PartnerShare(project_id=pk(project), partner=partner, amount=value))
    record_change(
        session,
        actor,
        entity="sharedproject",
        entity_id=project.id,
        field="Progetto sovrazonale",
        old=None,
        new=f"{name}: {split.describe(names)}",
        objective_id=objective_id,
    )
    return project


def shared_projects(*, session: Session) -> list[dict]:
    out = []
    for p in session.exec(select(SharedProject).order_by(col(SharedProject.id))):
        shares = session.exec(select(PartnerShare).where(PartnerShare.project_id == p.id)).all()
        out.append({"id": p.id, "name": p.name, "total": p.total, "shares": [(s.partner, s.amount) for s in shares]})
    return out


def objective_setup(objective_id: int, year: int, *, session: Session) -> dict:
    """Everything the set-up page shows for one objective and year."""
    obj = _objective(session, objective_id)
    targets = targets_for_year(objective_id, year, session=session)
    origins = target_origins_for_year(objective_id, year, session=session)
    indicators = sorted(
        session.exec(select(Indicator).where(Indicator.objective_id == objective_id)),
        key=lambda i: (battery_rank(i.battery), i.position),
    )  # process, output, outcome
    actions = session.exec(
        select(Action).where(col(Action.objective_id) == objective_id).order_by(col(Action.position))
    ).all()
    budget = session.exec(
        select(BudgetLine).where(BudgetLine.objective_id == objective_id, BudgetLine.retired == False)
    ).all()
    budget_origins = set_by(session, BUDGET, [pk(b) for b in budget])
    return {
        "code": obj.code,
        "text": obj.text,
        "indicators": [
            {
                "id": i.id,
                "battery": i.battery,
                "text": i.text,
                "unit": i.unit,
                "retired": i.retired,
                "baseline": targets.get(pk(i), (None, None))[0],
                "target": targets.get(pk(i), (None, None))[1],
                "target_origin": origins[i.id].label if i.id in origins else "",
            }
            for i in indicators
        ],
        "actions": [{"id": a.id, "text": a.text, "retired": a.retired} for a in actions],
        "budget": [
            {
                "year": b.year,
                "source": b.source,
                "amount": b.amount,
                "item": b.item,
                "origin": b.origin,
                "origin_label": (budget_origins.get(pk(b)) or Origin(line=b.line)).label
                if b.origin == "ufficio"
                else Origin(line=b.line).label,
            }
            for b in budget
        ],
        "sub_areas": objective_sub_areas(objective_id, session=session),
    }
