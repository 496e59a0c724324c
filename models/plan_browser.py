"""Read queries of the plan pages (*Il Piano*, *Piano 2021-2023*): plain, frozen views, no Streamlit.

The plan is small (about a hundred objectives and three hundred indicators), so each view is read with a few
bulk queries and assembled here; the word search runs in Python because it must ignore accents
("poverta" finds "povertà" and the document's "POVERTA'"), which SQL LIKE does not do portably.

Over 400 lines: one frozen view per plan page section, all built from the same bulk queries.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import func
from sqlalchemy import select as sa_select  # more columns than sqlmodel.select types
from sqlmodel import Session, col, select

from models import plans
from models.budget_rules import BudgetKind, counts_in_budget, kind_label
from models.formatting import euro, number
from models.plan_yaml import FLAG_KEYS
from models.provenance import BUDGET, FROM_OFFICE, TARGET, Origin, set_by, target_origin
from models.scoring import BANDS, Band, SpendClass
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
    Objective,
)
from models.vocab import ADEGUACY_LABELS, PAGE_TITLES, UNIT_LABELS, Battery, ResourceAdequacy, Unit, funding_label

# The card's yes/no questions (X.8-X.17, X.22), worded as in the document's form.
FLAG_QUESTIONS: dict[str, tuple[str, str]] = {
    "asst_analysis": ("X.8", "Coinvolgimento di ASST nell'analisi del bisogno e nella programmazione"),
    "asst_delivery": ("X.9", "Coinvolgimento di ASST nella realizzazione dell'intervento"),
    "other_ambiti": ("X.10", "Realizzato in cooperazione con altri Ambiti"),
    "continuity": ("X.11", "In continuità con la programmazione 2021-2023"),
    "new_service": ("X.12", "Definizione di un nuovo servizio"),
    "premiale": ("X.13", "Continuità o potenziamento di un progetto premiale 2021-2023"),
    "co_programmed": ("X.14", "Formalmente co-programmato con il Terzo Settore"),
    "co_designed": ("X.15", "Formalmente co-progettato con il Terzo Settore"),
    "other_actors": ("X.17", "Coinvolgimento di altri attori della rete territoriale"),
    "digitalisation": ("X.22", "Aspetti inerenti alla digitalizzazione"),
}
assert set(FLAG_QUESTIONS) == set(FLAG_KEYS)  # one question per flag the loader knows

SERVICE_KIND_LABELS = {
    "nuovo": "Nuovo servizio",
    "rivisto": "Servizio rivisto/aggiornato",
    "esistente": "Servizio esistente",
}
BATTERY_ORDER = tuple(Battery)  # processo, output, outcome: the card's order X.23, X.24, X.25
NOT_STATED = "—"


def yes_no(value: bool | None) -> str:
    return NOT_STATED if value is None else ("Sì" if value else "No")


def source_line(line: int | None) -> str:
    """Where a record comes from in the plan document, for a reviewer."""
    return f"riga {line} del documento" if line else "riga non indicata"


def target_label(targets: Iterable[tuple]) -> str:
    """'2025: 10 · 2026: 12 (fissato dall'Ufficio di Piano (Anna, 02/12/2026))' (Italian numbers), or '' when no
    target is set. Each item is (year, value) or (year, value, origin label); the origin is written once when
    every target shares it, else after each target."""
    items = [tuple(t) + ("",) * (3 - len(t)) for t in targets]
    origins = {o for _, _, o in items}
    if len(origins) <= 1:
        origin = next(iter(origins), "")
        text = " · ".join(f"{year}: {number(value)}" for year, value, _ in items)
        return f"{text} ({origin})" if text and origin else text
    return " · ".join(f"{year}: {number(value)}" + (f" ({o})" if o else "") for year, value, o in items)


# --- search -----------------------------------------------------------------------------------


def normalise(text: str | None) -> str:
    """Lower case, without accents, with the typographic apostrophe made plain: the form the search compares."""
    decomposed = unicodedata.normalize("NFKD", (text or "").replace("\u2019", "'"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def search_words(query: str | None) -> tuple[str, ...]:
    return tuple(normalise(query).split())


def matches(words: tuple[str, ...], text: str | None) -> bool:
    """Every word of the query occurs in the text (no words: everything matches)."""
    target = normalise(text)
    return all(word in target for word in words)


# --- the plan ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorView:
    battery: str
    text: str
    unit: str
    higher_is_better: bool
    line: int | None
    targets: tuple[tuple, ...] = ()  # (year, target, origin label): provenance.Origin, never the indicator's line
    id: int = 0  # the database id (the read API's stable id)

    @property
    def unit_label(self) -> str:
        return UNIT_LABELS.get(Unit(self.unit), self.unit)

    @property
    def target_label(self) -> str:
        return target_label(self.targets)


@dataclass(frozen=True)
class ActionView:
    text: str
    line: int | None
    retired: bool = False


@dataclass(frozen=True)
class ObjectiveView:
    code: str
    kind: str
    text: str
    line: int | None
    actions: tuple[ActionView, ...] = ()
    indicators: tuple[IndicatorView, ...] = ()
    id: int = 0  # the database id (the read API's stable id)


@dataclass(frozen=True)
class FlagView:
    key: str
    number: str  # the form's field, e.g. "X.8" (the card's letter replaces X on the page)
    question: str
    value: bool | None
    text: str
    line: int | None

    @property
    def answer(self) -> str:
        return yes_no(self.value)


@dataclass(frozen=True)
class BudgetView:
    objective: str | None  # objective code, None for the whole card
    item: str
    source: str | None
    public: bool | None
    amount: float | None
    approximate: bool
    to_be_completed: bool
    year: int | None
    text: str
    line: int | None
    origin: str  # piano (the document) | ufficio (set in the app)
    kind: str = BudgetKind.PREVENTIVATO  # budget_rules.BudgetKind: only preventivato is the plan's budget
    set_by: Origin | None = None  # who set it in the app (origin ufficio)

    @property
    def origin_label(self) -> str:
        """'riga 1183 del documento', or "fissato dall'Ufficio di Piano (Anna, 02/12/2026)"."""
        if self.origin == "ufficio":
            return self.set_by.label if self.set_by else f"{FROM_OFFICE} (autore e data non registrati)"
        return Origin(line=self.line).label

    @property
    def counted(self) -> bool:
        return counts_in_budget(self.kind)

    @property
    def kind_label(self) -> str:
        return kind_label(self.kind)

    @property
    def source_label(self) -> str:
        return funding_label(self.source) if self.source else "non indicata"

    @property
    def public_label(self) -> str:
        return "non indicato" if self.public is None else ("pubblico" if self.public else "privato")

    @property
    def amount_label(self) -> str:
        """'1.234.567 €', 'circa 50.000 €', 'da completare', or '—' when the plan names no amount."""
        if self.to_be_completed:
            return "da completare"
        if self.amount is None:
            return NOT_STATED
        text = euro(self.amount, 2)  # to the cent: a table where amounts are compared
        return f"circa {text}" if self.approximate else text


@dataclass(frozen=True)
class CardView:
    code: str
    title: str
    line: int | None
    target_group: str
    target_group_line: int | None
    staff: str
    staff_line: int | None
    transversal_areas: tuple[str, ...]
    transversal_text: str
    transversal_line: int | None
    service_kind: str | None
    service_kind_text: str
    service_kind_line: int | None
    flags: tuple[FlagView, ...]
    objectives: tuple[ObjectiveView, ...]
    budget: tuple[BudgetView, ...]

    @property
    def service_kind_label(self) -> str:
        return SERVICE_KIND_LABELS.get(self.service_kind or "", NOT_STATED)

    @property
    def budget_total(self) -> float | None:
        """Sum of the counted lines' amounts; None ("da definire") when no counted line has one."""
        amounts = [b.amount for b in self.budget if b.counted and b.amount is not None]
        return sum(amounts) if amounts else None

    @property
    def budget_to_complete(self) -> int:
        return sum(1 for b in self.budget if b.to_be_completed and b.counted)

    @property
    def budget_not_counted(self) -> tuple[BudgetView, ...]:
        """Lines the document gives as past examples or forecasts: shown, never summed."""
        return tuple(b for b in self.budget if not b.counted)


@dataclass(frozen=True)
class AreaView:
    letter: str
    title: str
    line: int | None
    key_points: tuple[tuple[str, int | None], ...]
    cards: tuple[CardView, ...]


@dataclass(frozen=True)
class SearchHits:
    objectives: int = 0
    actions: int = 0
    indicators: int = 0

    @property
    def total(self) -> int:
        return self.objectives + self.actions + self.indicators


@dataclass(frozen=True)
class PlanView:
    areas: tuple[AreaView, ...]
    query: str = ""
    hits: SearchHits = field(default_factory=SearchHits)


def _plan_areas(session: Session, plan_id: int | None) -> list[MacroArea]:
    """The plan's macro-areas (the current plan's when `plan_id` is None), in catalogue order."""
    plan = plans.plan_row(session, plan_id)
    where = () if plan is None else (MacroArea.plan_id == plan.id,)
    return list(session.exec(select(MacroArea).where(*where).order_by(col(MacroArea.position))))


def area_choices(*, session: Session, plan_id: int | None = None) -> list[tuple[str, str]]:
    """(letter, title) of every macro-area of the plan, in catalogue order."""
    return [(a.letter, a.title) for a in _plan_areas(session, plan_id)]


def _grouped(rows, key) -> dict:
    out: dict = defaultdict(list)
    for row in rows:
        out[key(row)].append(row)
    return out


def _flags(details: dict) -> tuple[FlagView, ...]:
    stored = (details or {}).get("flags") or {}
    views = []
    for key in FLAG_KEYS:
        flag = stored.get(key) or {}
        number_, question = FLAG_QUESTIONS[key]
        views.append(
            FlagView(
                key=key,
                number=number_,
                question=question,
                value=flag.get("value"),
                text=flag.get("text") or "",
                line=flag.get("line"),
            )
        )
    return tuple(views)


def plan_tree(*, session: Session, query: str = "", area: str | None = None, plan_id: int | None = None) -> PlanView:
    """The plan as areas -> cards -> objectives -> actions and indicators, with budget and flags.

    `query` keeps only what contains every word of it (case and accents ignored): an objective whose own text
    matches keeps all its actions and indicators; otherwise only its matching actions and indicators are kept,
    and an objective, card or area left with nothing is dropped. `area` keeps one macro-area (by letter).
    Retired records (removed from the plan file) are not shown. One plan: `plan_id`, or the current plan.
    """
    words = search_words(query)
    areas = _plan_areas(session, plan_id)
    if area:
        areas = [a for a in areas if a.letter == area]

    def within(column, ids) -> tuple:  # one area: its rows only (at 100× the plan 3-4× faster); all: no IN
        return (column.in_(ids),) if area else ()

    card_ids = sa_select(col(Card.id)).where(col(Card.area_id).in_([a.id for a in areas]))
    objective_ids = sa_select(col(Objective.id)).where(col(Objective.card_id).in_(card_ids))
    indicator_ids = sa_select(col(Indicator.id)).where(col(Indicator.objective_id).in_(objective_ids))
    points = _grouped(session.exec(select(KeyPoint).order_by(col(KeyPoint.position))), lambda p: p.area_id)
    cards = _grouped(session.exec(select(Card).order_by(col(Card.position))), lambda c: c.area_id)
    # The many rows (objectives, actions, indicators, targets, budget lines) are read as plain columns, not as
    # ORM objects: at a hundred times the real plan's size, building the objects cost more than the queries.
    objectives = _grouped(
        session.execute(
            sa_select(
                col(Objective.id),
                col(Objective.card_id),
                col(Objective.code),
                col(Objective.kind),
                col(Objective.text),
                col(Objective.line),
            )
            .where(col(Objective.retired) == False, *within(col(Objective.card_id), card_ids))
            .order_by(col(Objective.position))
        ),
        lambda o: o.card_id,
    )
    actions = _grouped(
        session.exec(
            select(Action.objective_id, Action.text, Action.line)
            .where(col(Action.retired) == False, *within(col(Action.objective_id), objective_ids))
            .order_by(col(Action.position))
        ),
        lambda a: a.objective_id,
    )
    order = {battery.value: n for n, battery in enumerate(BATTERY_ORDER)}  # the card's order X.23, X.24, X.25
    indicators = _grouped(
        sorted(
            session.execute(
                sa_select(
                    col(Indicator.id),
                    col(Indicator.objective_id),
                    col(Indicator.battery),
                    col(Indicator.text),
                    col(Indicator.unit),
                    col(Indicator.higher_is_better),
                    col(Indicator.line),
                    col(Indicator.position),
                ).where(col(Indicator.retired) == False, *within(col(Indicator.objective_id), objective_ids))
            ),
            key=lambda i: (order[i.battery], i.position),
        ),
        lambda i: i.objective_id,
    )
    targets = _grouped(
        session.exec(
            select(IndicatorTarget.id, IndicatorTarget.indicator_id, IndicatorTarget.year, IndicatorTarget.target)
            .where(col(IndicatorTarget.target) != None, *within(col(IndicatorTarget.indicator_id), indicator_ids))
            .order_by(col(IndicatorTarget.year))
        ),
        lambda t: t.indicator_id,
    )
    target_origins = set_by(session, TARGET)
    budget_origins = set_by(session, BUDGET)
    budget = _grouped(
        session.execute(
            sa_select(
                col(BudgetLine.id),
                col(BudgetLine.card_id),
                col(BudgetLine.objective_id),
                col(BudgetLine.item),
                col(BudgetLine.source),
                col(BudgetLine.public),
                col(BudgetLine.amount),
                col(BudgetLine.approximate),
                col(BudgetLine.to_be_completed),
                col(BudgetLine.year),
                col(BudgetLine.text),
                col(BudgetLine.line),
                col(BudgetLine.origin),
            )
            .where(col(BudgetLine.retired) == False, *within(col(BudgetLine.card_id), card_ids))
            .order_by(col(BudgetLine.origin), col(BudgetLine.year), col(BudgetLine.id))
        ),
        lambda b: b.card_id,
    )
    in_cards = sa_select(col(BudgetLine.id)).where(col(BudgetLine.card_id).in_(card_ids))
    kind_rows = select(BudgetLineKind.budget_line_id, BudgetLineKind.kind).where(
        *within(col(BudgetLineKind.budget_line_id), in_cards)
    )
    kinds = dict(session.exec(kind_rows).all())
    codes = {o.id: o.code for rows in objectives.values() for o in rows}
    labels: dict[Origin, str] = {}  # few distinct origins, many targets: each label (a date to format) once
    hits = {"objectives": 0, "actions": 0, "indicators": 0}

    def origin_label(target_id: int) -> str:
        origin = target_origin(target_origins, target_id)
        if origin not in labels:
            labels[origin] = origin.label
        return labels[origin]

    def objective_view(obj) -> ObjectiveView | None:
        acts = [ActionView(a.text, a.line) for a in actions.get(obj.id, [])]
        inds = [
            IndicatorView(
                i.battery,
                i.text,
                i.unit,
                i.higher_is_better,
                i.line,
                tuple((t.year, t.target, origin_label(t.id)) for t in targets.get(i.id, [])),
                id=i.id,
            )
            for i in indicators.get(obj.id, [])
        ]
        if words:
            if matches(words, obj.text):
                hits["objectives"] += 1
            else:
                acts = [a for a in acts if matches(words, a.text)]
                inds = [i for i in inds if matches(words, i.text)]
                if not acts and not inds:
                    return None
            hits["actions"] += sum(1 for a in acts if matches(words, a.text))
            hits["indicators"] += sum(1 for i in inds if matches(words, i.text))
        return ObjectiveView(obj.code, obj.kind, obj.text, obj.line, tuple(acts), tuple(inds), id=obj.id)

    def card_view(card: Card) -> CardView | None:
        objs = [v for v in (objective_view(o) for o in objectives.get(card.id, [])) if v is not None]
        if words and not objs:
            return None
        details = card.details or {}
        lines = tuple(
            BudgetView(
                codes.get(b.objective_id) if b.objective_id else None,
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
                kinds.get(b.id, BudgetKind.PREVENTIVATO),
                budget_origins.get(b.id),
            )
            for b in budget.get(card.id, [])
        )
        return CardView(
            code=card.code,
            title=card.title,
            line=card.line,
            target_group=card.target_group or "",
            target_group_line=details.get("target_group_line"),
            staff=card.staff or "",
            staff_line=details.get("staff_line"),
            transversal_areas=tuple(x for x in (card.transversal_areas or "").split(",") if x),
            transversal_text=card.transversal_text or "",
            transversal_line=details.get("transversal_line"),
            service_kind=card.service_kind,
            service_kind_text=details.get("service_kind_text") or "",
            service_kind_line=details.get("service_kind_line"),
            flags=_flags(details),
            objectives=tuple(objs),
            budget=lines,
        )

    views = []
    for a in areas:
        area_cards = tuple(v for v in (card_view(c) for c in cards.get(a.id, [])) if v is not None)
        if words and not area_cards:
            continue
        views.append(
            AreaView(a.letter, a.title, a.line, tuple((p.text, p.line) for p in points.get(a.id, [])), area_cards)
        )
    return PlanView(areas=tuple(views), query=query.strip() if query else "", hits=SearchHits(**hits))


# --- the 2021-2023 plan's final assessment ----------------------------------------------------


def band_of(code: str | None) -> Band | None:
    return Band[code.upper()] if code else None


def spend_class_of(code: str | None) -> SpendClass | None:
    return SpendClass[code.upper()] if code else None


@dataclass(frozen=True)
class OutcomeView:
    area_letter: str | None
    area_title: str  # as written on the 2021-2023 card ("" when the card has no area heading)
    objective: str
    output: str
    achievement_range: str
    band: Band | None
    users_assessment: str
    resource_adequacy: str | None
    resource_note: str
    spend_class: SpendClass | None
    critical_issues: str
    need_answered: bool | None
    need_reason: str
    continuity_previous: bool | None
    proposed_again: bool | None
    proposed_reason: str
    line: int | None

    @property
    def band_label(self) -> str:
        return self.band.label if self.band else NOT_STATED

    @property
    def adequacy_label(self) -> str:
        if not self.resource_adequacy:
            return NOT_STATED
        return ADEGUACY_LABELS[ResourceAdequacy(self.resource_adequacy)]

    @property
    def spend_label(self) -> str:
        """'<100% · non realizzato come programmato o sovrastimato' (the grid's class and its meaning)."""
        if self.spend_class is None:
            return NOT_STATED
        return f"{self.spend_class.short_label} · {self.spend_class.label}"

    @property
    def area_label(self) -> str:
        if not self.area_letter:
            return "non indicata"
        if not self.area_title:
            return f"{self.area_letter} (scheda senza titolo d'area)"
        return f"{self.area_letter} · {self.area_title}"

    @property
    def need_answer(self) -> str:
        return answer_with_reason(self.need_answered, self.need_reason)

    @property
    def proposed_answer(self) -> str:
        return answer_with_reason(self.proposed_again, self.proposed_reason)


def answer_with_reason(value: bool | None, reason: str) -> str:
    """A card's yes/no answer and its reason, as one sentence ('Sì. Perché…')."""
    said = yes_no(value) if value is not None else "Sì/No non indicato"
    return f"{said}. {reason}" if reason else said


@dataclass(frozen=True)
class HistoryPage:
    """The history page of a plan: the outcomes of the plan before it, and the words that name them."""

    title: str  # "Piano 2021-2023": the menu entry and the page title
    intro: str
    years: str  # "2021-2023"
    continuity_question: str  # the grid's question on continuity with the plan before those years


DOCUMENT_HISTORY = HistoryPage(  # the first plan's page: the outcomes written in its document (Chapter 1)
    PAGE_TITLES["storico"],
    "Valutazione finale degli obiettivi del Piano di Zona 2021-2023 (prorogato al 31 dicembre 2024), compilata "
    "con la griglia regionale nel capitolo 1 del documento del piano 2025-2027 e riportata come scritta. Le aree "
    "sono quelle del catalogo 2025-2027 che corrispondono al titolo della scheda.",
    "2021-2023",
    "In continuità con il piano 2018-2020?",
)


def history_page(*, session: Session, plan_id: int | None = None) -> HistoryPage:
    """The plan's history page: written when the plan before it was closed, else the document's outcomes."""
    plan = plans.plan_row(session, plan_id)
    previous = plans.previous_plan(session, plan) if plan is not None else None
    if previous is None:
        return DOCUMENT_HISTORY
    years = f"{previous.first_year}-{previous.last_year}"
    return HistoryPage(
        f"Piano {years}",
        f"Risultati finali del piano {years} ({previous.title}), scritti alla sua chiusura con la griglia "
        "regionale: per ogni obiettivo monitorato, il report approvato dell'ultimo semestre del piano, con le "
        "stesse cifre del Cruscotto.",
        years,
        f"In continuità con il piano precedente al {years}?",
    )


def _history_of(session: Session, plan_id: int | None) -> tuple:
    """WHERE clause: the outcomes on the plan's history page (the current plan's when `plan_id` is None)."""
    plan = plans.plan_row(session, plan_id)
    return (HistoricalOutcome.plan_id == (plan.id if plan else None),)


def history_outcomes(
    *, session: Session, band: str | None = None, area: str | None = None, plan_id: int | None = None
) -> list[OutcomeView]:
    """The outcome cards of the plan before (2021-2023 for 2025-2027) in order, optionally of one band (code)
    or one area (letter)."""
    stmt = select(HistoricalOutcome).where(*_history_of(session, plan_id)).order_by(col(HistoricalOutcome.position))
    if band:
        stmt = stmt.where(HistoricalOutcome.band == band)
    if area:
        stmt = stmt.where(HistoricalOutcome.area_letter == area)
    return [
        OutcomeView(
            h.area_letter,
            h.area_title or "",
            h.objective,
            h.output or "",
            h.achievement_range or "",
            band_of(h.band),
            h.users_assessment or "",
            h.resource_adequacy,
            h.resource_note or "",
            spend_class_of(h.spend_class),
            h.critical_issues or "",
            h.need_answered,
            h.need_reason or "",
            h.continuity_previous,
            h.proposed_again,
            h.proposed_reason or "",
            h.line,
        )
        for h in session.exec(stmt)
    ]


@dataclass(frozen=True)
class AreaBands:
    letter: str | None  # None: cards with no area of the 2025-2027 catalogue
    title: str
    counts: dict[str, int]  # band label -> cards, every band in grid order

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def history_count(*, session: Session, plan_id: int | None = None) -> int:
    """Outcome cards on the plan's history page, with a band or without (an objective with no counted report)."""
    return session.exec(select(func.count(col(HistoricalOutcome.id))).where(*_history_of(session, plan_id))).one()


def history_band_counts(*, session: Session, plan_id: int | None = None) -> dict[str, int]:
    """Outcome cards per band label, every band of the grid in order (zeros included)."""
    rows = session.exec(
        select(HistoricalOutcome.band, func.count(col(HistoricalOutcome.id)))
        .where(*_history_of(session, plan_id))
        .group_by(col(HistoricalOutcome.band))
    ).all()
    found = {code: n for code, n in rows if code}
    return {b.label: found.get(b.name.lower(), 0) for b in BANDS}


def history_area_bands(*, session: Session, plan_id: int | None = None) -> list[AreaBands]:
    """Per macro-area holding outcome cards (the plan's catalogue order): cards per band."""
    rows = session.exec(
        select(col(HistoricalOutcome.area_letter), col(HistoricalOutcome.band), func.count(col(HistoricalOutcome.id)))
        .where(*_history_of(session, plan_id))
        .group_by(col(HistoricalOutcome.area_letter), col(HistoricalOutcome.band))
    ).all()
    per_area: dict[str | None, dict[str, int]] = defaultdict(lambda: {b.label: 0 for b in BANDS})
    for letter, code, n in rows:
        counts = per_area[letter]  # created even when the cards have no band: the area still appears
        band = band_of(code)
        if band is not None:
            counts[band.label] += n
    out = [
        AreaBands(letter, title, dict(per_area[letter]))
        for letter, title in area_choices(session=session, plan_id=plan_id)
        if letter in per_area
    ]
    if None in per_area:
        out.append(AreaBands(None, "Area non indicata", dict(per_area[None])))
    return out
