"""Read a plan workbook (the export, or the filled template; layout in models/plan_sheets.py) into the same
records models/plan_yaml.py reads from the YAML files (PlanData), so that models/plan_loader.py is the one
loader core for both.

Every sheet and every cell is checked before anything is built: each failure is a Problem naming the sheet, the
cell ("Indicatori!C7"), the field and what is wrong, in Italian. A file with any Problem gives no PlanData.

Decisions:
- Column order is free and extra columns are ignored; a missing column is a Problem on the header row.
- Empty rows are skipped. Formulas and Excel errors are refused (models/import_cells.py); numbers written as text
  go through the form's one parser (models/validation.py: clean_number, clean_text).
- Targets per year come from the sheet Target (optional: older exports lack it), read by the unit rules of
  Impostazione piano (validation.clean_target); the Indicatori sheet's Target column is a summary, not read.
- Read-only in the plan: actions marked Ritirata «Sì»
  (left out: retired in a database that has them), budget lines whose Origine is not «documento del piano»
  (budgets set in the app stay where they are, models/plan_setup.py).
- Obiettivi's column Obiettivo precedente (optional: older exports lack it) names the same objective in the
  previous plan; only the loader can check that plan (models/plan_loader.py), and names the cell when it refuses.
- The 2021-2023 outcomes are not in the workbook: PlanData.history is None, the loader leaves them alone.
Over 400 lines: one reader per sheet, sharing the checks of one class; splitting them would pass its state around.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook

from models.budget_rules import BUDGET_KIND_LABELS, BudgetKind
from models.errors import DomainError
from models.import_cells import CellRefused, number_cell, plain_cell, text_cell
from models.plan_sheets import (
    FLAG_LABELS,
    NO,
    NO_SOURCE,
    NOT_STATED,
    OPTIONAL_COLUMNS,
    OPTIONAL_SHEETS,
    ORIGIN_DOCUMENT,
    PIANO_FIELDS,
    PREDECESSOR,
    PUBLIC_LABELS,
    SERVICE_KINDS,
    SHEETS,
    WHOLE_CARD,
    YES,
)
from models.plan_yaml import FLAG_KEYS, PlanData
from models.validation import EURO, MAX_NOTE, FieldError, clean_number, clean_target, clean_text
from models.vocab import SHORT_FUNDING_LABELS, UNIT_LABELS, Battery, FundingSource, ObjectiveKind, Unit
from models.xlsx_guard import WorkbookRefused, open_workbook, read_rows

MAX_PROBLEMS = 200  # the check stops there: the first ones show the pattern
PLAN_TEXT = 20_000  # a card's paragraph (the real plan's longest is ~3.100 characters); line breaks allowed
CODE_LIMITS = {"Area": 2, "Scheda": 8, "Obiettivo": 16, "Sotto-ambito": 8}
FUNDING_BY_LABEL = {SHORT_FUNDING_LABELS[s].casefold(): s.value for s in FundingSource} | {
    s.value.casefold(): s.value for s in FundingSource
}
UNIT_BY_LABEL = {UNIT_LABELS[u].casefold(): u.value for u in Unit} | {u.value: u.value for u in Unit}
KIND_BY_LABEL = {label.casefold(): k.value for k, label in BUDGET_KIND_LABELS.items()} | {
    k.value: k.value for k in BudgetKind
}
SERVICE_BY_LABEL = {label.casefold(): code for code, label in SERVICE_KINDS.items()} | {c: c for c in SERVICE_KINDS}
FLAG_BY_LABEL = {label.casefold(): key for key, label in FLAG_LABELS.items()}
PUBLIC_BY_LABEL = {label.casefold(): value for value, label in PUBLIC_LABELS.items()}
YES_WORDS, NO_WORDS = {"sì", "si", YES.casefold()}, {NO.casefold()}


@dataclass
class Problem:
    sheet: str
    cell: str  # "Indicatori!C7"; "" for the whole sheet or file
    field: str
    message: str

    def __str__(self) -> str:
        where = ", ".join(part for part in (self.cell or self.sheet, self.field) if part)
        return f"{where}: {self.message}" if where else self.message


class _Stop(Exception):
    """MAX_PROBLEMS problems found."""


class _Bad(Exception):
    """A cell whose problem is already recorded."""


@dataclass
class _Row:
    sheet: str
    number: int
    cells: dict[str, Any]  # header -> openpyxl cell (None when the column is missing)
    letters: dict[str, str]

    def ref(self, header: str) -> str:
        return f"{self.sheet}!{self.letters.get(header, '?')}{self.number}"


@dataclass
class WorkbookPlan:
    """The outcome of reading a workbook: PlanData, or the problems (never both)."""

    data: PlanData | None
    problems: list[Problem] = field(default_factory=list)
    truncated: bool = False
    skipped: list[str] = field(default_factory=list)  # rows read but not part of the plan (retired, set in app)


def read_plan_workbook(content: bytes) -> WorkbookPlan:
    """Check every sheet and cell of an uploaded plan workbook and build PlanData; writes nothing."""
    try:
        wb = open_workbook(content)
    except WorkbookRefused as exc:
        return WorkbookPlan(None, [Problem("", "", "", str(exc))])
    reader = _Reader()
    try:
        data = reader.run(wb)
    except WorkbookRefused as exc:
        return WorkbookPlan(None, [Problem("", "", "", str(exc))])
    except _Stop:
        return WorkbookPlan(None, reader.problems, truncated=True)
    finally:
        wb.close()
    if reader.problems:
        return WorkbookPlan(None, reader.problems)
    return WorkbookPlan(data, skipped=reader.skipped)


class _Reader:
    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.skipped: list[str] = []
        self.areas: list[str] = []
        self.subs: dict[str, dict] = {}
        self.cards: dict[str, dict] = {}
        self.objectives: dict[str, tuple[dict, dict]] = {}  # code -> (objective record, card record)
        self.years: tuple[int, int] | None = None

    def problem(self, sheet: str, cell: str, field: str, message: str) -> None:
        self.problems.append(Problem(sheet, cell, field, message))
        if len(self.problems) >= MAX_PROBLEMS:
            raise _Stop

    # --- cells ------------------------------------------------------------------------------

    def _raw(self, row: _Row, header: str, reader: Any = plain_cell, name: str = "") -> Any:
        cell = row.cells.get(header)
        if cell is None:
            return None
        try:
            return reader(cell)
        except CellRefused as exc:
            self.problem(row.sheet, row.ref(header), name or header, str(exc))
            raise _Bad from None

    def text(self, row: _Row, header: str, *, required: bool = False, limit: int = PLAN_TEXT, name: str = "") -> str:
        """`name`: the field named in messages, when it is not the column's header (sheet Piano)."""
        name = name or header
        raw = self._raw(row, header, text_cell, name)
        try:
            value = clean_text(raw, name, limit=limit)
        except DomainError as exc:
            self.problem(row.sheet, row.ref(header), name, getattr(exc, "message", str(exc)))
            raise _Bad from None
        if required and not value:
            self.problem(row.sheet, row.ref(header), name, "valore mancante")
            raise _Bad
        return value

    def code(self, row: _Row, header: str) -> str:
        return self.text(row, header, required=True, limit=CODE_LIMITS.get(header, 16))

    def integer(self, row: _Row, header: str, *, required: bool = False, name: str = "") -> int | None:
        name = name or header
        raw = self._raw(row, header, number_cell, name)
        if raw is None:
            if required:
                self.problem(row.sheet, row.ref(header), name, "valore mancante: atteso un numero intero")
                raise _Bad
            return None
        if isinstance(raw, str) and raw.strip().isdigit():
            raw = int(raw.strip())
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)
        if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
            self.problem(row.sheet, row.ref(header), name, f"atteso un numero intero, trovato «{raw}»")
            raise _Bad
        return raw

    def amount(self, row: _Row, header: str) -> float | None:
        raw = self._raw(row, header, number_cell)
        try:
            return clean_number(raw, header, unit=EURO)
        except DomainError as exc:
            self.problem(row.sheet, row.ref(header), header, getattr(exc, "message", str(exc)))
            raise _Bad from None

    def choice(self, row: _Row, header: str, allowed: dict[str, Any], shown: list[str], default: Any = None) -> Any:
        value = self.text(row, header, limit=200)
        if not value:
            return default
        if value.casefold() not in allowed:
            self.problem(
                row.sheet, row.ref(header), header, f"valore «{value}» non ammesso (ammessi: {', '.join(shown)})"
            )
            raise _Bad
        return allowed[value.casefold()]

    def yes_no(self, row: _Row, header: str, default: bool | None = None) -> bool | None:
        value = self.text(row, header, limit=20)
        if not value or value == NOT_STATED:
            return default
        if value.casefold() in YES_WORDS:
            return True
        if value.casefold() in NO_WORDS:
            return False
        self.problem(row.sheet, row.ref(header), header, f"valore «{value}» non ammesso (ammessi: {YES}, {NO})")
        raise _Bad

    def known_area(self, row: _Row, header: str = "Area") -> str:
        letter = self.code(row, header)
        if letter not in self.areas:
            self.problem(row.sheet, row.ref(header), header, f"area «{letter}» non presente nel foglio Aree")
            raise _Bad
        return letter

    def unique(self, row: _Row, header: str, value: str, seen: Any) -> None:
        if value in seen:
            self.problem(row.sheet, row.ref(header), header, f"codice «{value}» ripetuto")
            raise _Bad

    # --- sheets -----------------------------------------------------------------------------

    def rows(self, wb: Workbook, sheet: str) -> Iterator[_Row]:
        """The sheet's data rows (empty ones skipped); a missing sheet or column is a problem, no rows."""
        if sheet not in wb.sheetnames:
            if sheet in OPTIONAL_SHEETS:
                return
            self.problem(sheet, "", "", f"foglio «{sheet}» mancante: partire dal modello vuoto o da un'esportazione")
            return
        headers = [c.header for c in SHEETS[sheet]]
        ws = wb[sheet]
        found: dict[str, int] = {}
        width = 0
        for first in read_rows(ws, min_row=1, max_col=max(len(headers) + 10, 30)):
            for index, cell in enumerate(first, start=1):
                if isinstance(cell.value, str) and cell.value.strip() in headers:
                    found.setdefault(cell.value.strip(), index)
            width = len(first)
            break
        missing = [h for h in headers if h not in found and h not in OPTIONAL_COLUMNS.get(sheet, ())]
        for header in missing:
            expected = get_column_letter(headers.index(header) + 1)
            self.problem(sheet, f"{sheet}!{expected}1", header, f"colonna «{header}» mancante nella riga 1")
        if missing:
            return
        letters = {h: get_column_letter(i) for h, i in found.items()}
        for number, cells in enumerate(read_rows(ws, min_row=2, max_col=max(found.values(), default=width)), start=2):
            by_header = {h: cells[i - 1] for h, i in found.items()}
            if all(c.value is None or (isinstance(c.value, str) and not c.value.strip()) for c in by_header.values()):
                continue
            yield _Row(sheet, number, by_header, letters)

    def each(self, wb: Workbook, sheet: str, read: Any) -> None:
        for row in self.rows(wb, sheet):
            try:
                read(row)
            except _Bad:
                continue

    def run(self, wb: Workbook) -> PlanData | None:
        header = self._piano(wb)
        areas: list[dict] = []
        self.each(wb, "Aree", lambda r: self._area(r, areas))
        by_letter = {a["letter"]: a for a in areas}
        self.each(wb, "Punti chiave", lambda r: self._key_point(r, by_letter))
        subs: list[dict] = []
        self.each(wb, "Sotto-ambiti", lambda r: self._sub_area(r, subs))
        self.each(wb, "Comuni", self._municipality)
        self.each(wb, "Schede", self._card)
        flags_seen: set[tuple[str, str]] = set()
        self.each(wb, "Caratteristiche", lambda r: self._flag(r, flags_seen))
        self.each(wb, "Obiettivi", self._objective)
        self.each(wb, "Azioni", self._action)
        self.each(wb, "Indicatori", self._indicator)
        self.each(wb, "Budget", self._budget)
        targets_seen: set[tuple[str, str, int]] = set()
        self.each(wb, "Target", lambda r: self._target(r, targets_seen))
        if self.problems or header is None:
            return None
        return PlanData(header=header, sub_areas=subs, areas=areas, cards=list(self.cards.values()), history=None)

    def _piano(self, wb: Workbook) -> dict | None:
        by_label = {label.casefold(): key for key, label in PIANO_FIELDS.items()}
        values: dict[str, Any] = {}
        cells: dict[str, str] = {}
        for row in self.rows(wb, "Piano"):
            key: str | None = None
            try:
                label = self.text(row, "Campo", limit=100)
                key = by_label.get(label.casefold())
                if key is None:
                    allowed = ", ".join(PIANO_FIELDS.values())
                    self.problem(row.sheet, row.ref("Campo"), "Campo", f"campo «{label}» sconosciuto ({allowed})")
                    continue
                cells[key] = row.ref("Valore")
                if key in ("first_year", "last_year"):
                    values[key] = self.integer(row, "Valore", required=True, name=label)
                else:
                    values[key] = self.text(row, "Valore", required=key != "source", limit=500, name=label)
            except _Bad:
                if key is not None:
                    values.setdefault(key, None)
        for key, label in PIANO_FIELDS.items():
            if key not in values and key != "source":
                self.problem("Piano", "", label, f"riga «{label}» mancante nella colonna Campo")
        first, last = values.get("first_year"), values.get("last_year")
        if isinstance(first, int) and isinstance(last, int):
            if last < first:
                self.problem("Piano", cells["last_year"], PIANO_FIELDS["last_year"], "l'ultimo anno precede il primo")
            else:
                self.years = (first, last)
        if any(values.get(k) is None for k in PIANO_FIELDS if k != "source"):
            return None
        return {k: values.get(k) or "" if k == "source" else values[k] for k in PIANO_FIELDS}

    def _area(self, row: _Row, areas: list[dict]) -> None:
        letter = self.code(row, "Area")
        self.unique(row, "Area", letter, self.areas)
        self.areas.append(letter)
        title = self.text(row, "Titolo", required=True)
        areas.append({"letter": letter, "title": title, "line": self.integer(row, "Riga"), "key_points": []})

    def _key_point(self, row: _Row, by_letter: dict[str, dict]) -> None:
        letter = self.known_area(row)
        text, line = self.text(row, "Punto chiave", required=True), self.integer(row, "Riga")
        by_letter[letter]["key_points"].append({"text": text, "line": line})

    def _sub_area(self, row: _Row, subs: list[dict]) -> None:
        code = self.code(row, "Sotto-ambito")
        self.unique(row, "Sotto-ambito", code, self.subs)
        record: dict[str, Any] = {
            "code": code,
            "name": self.text(row, "Nome", limit=200),
            "line": self.integer(row, "Riga"),
            "municipalities": [],
        }
        self.subs[code] = record
        subs.append(record)

    def _municipality(self, row: _Row) -> None:
        code = self.code(row, "Sotto-ambito")
        if code not in self.subs:
            self.problem(
                row.sheet, row.ref("Sotto-ambito"), "Sotto-ambito", f"«{code}» non presente nel foglio Sotto-ambiti"
            )
            raise _Bad
        self.subs[code]["municipalities"].append(self.text(row, "Comune", required=True, limit=200))

    def _card(self, row: _Row) -> None:
        area = self.known_area(row)
        code = self.code(row, "Scheda")
        self.unique(row, "Scheda", code, self.cards)
        transversal = [a.strip() for a in self.text(row, "Aree trasversali", limit=100).split(",") if a.strip()]
        unknown = [a for a in transversal if a not in self.areas]
        if unknown:
            self.problem(
                row.sheet,
                row.ref("Aree trasversali"),
                "Aree trasversali",
                f"aree {', '.join(unknown)} non presenti nel foglio Aree",
            )
            raise _Bad
        kinds = list(SERVICE_KINDS.values())
        self.cards[code] = {
            "code": code,
            "area": area,
            "title": self.text(row, "Titolo"),
            "line": self.integer(row, "Riga"),
            "target_group": {"text": self.text(row, "Destinatari"), "line": self.integer(row, "Riga destinatari")},
            "staff": {"text": self.text(row, "Personale dedicato"), "line": self.integer(row, "Riga personale")},
            "transversal": {
                "areas": transversal,
                "text": self.text(row, "Trasversalità"),
                "line": self.integer(row, "Riga trasversalità"),
            },
            "service_kind": {
                "value": self.choice(row, "Tipo di servizio", SERVICE_BY_LABEL, kinds),
                "text": self.text(row, "Tipo di servizio (testo)"),
                "line": self.integer(row, "Riga tipo di servizio"),
            },
            "flags": {key: {"value": None, "text": "", "line": None} for key in FLAG_KEYS},
            "objectives": [],
            "budget": [],
        }

    def _known_card(self, row: _Row) -> dict:
        code = self.code(row, "Scheda")
        if code not in self.cards:
            self.problem(row.sheet, row.ref("Scheda"), "Scheda", f"scheda «{code}» non presente nel foglio Schede")
            raise _Bad
        return self.cards[code]

    def _flag(self, row: _Row, seen: set[tuple[str, str]]) -> None:
        card = self._known_card(row)
        key = self.choice(row, "Caratteristica", FLAG_BY_LABEL, ["una delle domande X.8-X.22 del modello"])
        if key is None:
            self.problem(row.sheet, row.ref("Caratteristica"), "Caratteristica", "valore mancante")
            raise _Bad
        if (card["code"], key) in seen:
            self.problem(row.sheet, row.ref("Caratteristica"), "Caratteristica", "ripetuta per la stessa scheda")
            raise _Bad
        seen.add((card["code"], key))
        card["flags"][key] = {
            "value": self.yes_no(row, "Valore"),
            "text": self.text(row, "Testo"),
            "line": self.integer(row, "Riga"),
        }

    def _objective(self, row: _Row) -> None:
        area = self.known_area(row)
        card = self._known_card(row)
        if card["area"] != area:
            self.problem(row.sheet, row.ref("Area"), "Area", f"la scheda {card['code']} è dell'area {card['area']}")
            raise _Bad
        code = self.code(row, "Obiettivo")
        self.unique(row, "Obiettivo", code, self.objectives)
        kinds = [k.value for k in ObjectiveKind]
        kind = self.choice(row, "Tipo", {k: k for k in kinds}, kinds)
        if kind is None:
            self.problem(row.sheet, row.ref("Tipo"), "Tipo", f"valore mancante (ammessi: {', '.join(kinds)})")
            raise _Bad
        record = {
            "code": code,
            "kind": kind,
            "text": self.text(row, "Testo", required=True),
            "line": self.integer(row, "Riga"),
            "actions": [],
            "indicators": [],
        }
        predecessor = self.text(row, PREDECESSOR, limit=CODE_LIMITS.get("Obiettivo", 16))
        if predecessor:  # checked against the previous plan by the loader, which names this cell
            record["predecessor"], record["predecessor_cell"] = predecessor, row.ref(PREDECESSOR)
        self.objectives[code] = (record, card)
        card["objectives"].append(record)

    def _known_objective(self, row: _Row) -> tuple[dict, dict]:
        area = self.known_area(row)
        code = self.code(row, "Obiettivo")
        if code not in self.objectives:
            self.problem(
                row.sheet, row.ref("Obiettivo"), "Obiettivo", f"obiettivo «{code}» non presente nel foglio Obiettivi"
            )
            raise _Bad
        record, card = self.objectives[code]
        if card["area"] != area:
            self.problem(row.sheet, row.ref("Area"), "Area", f"l'obiettivo {code} è dell'area {card['area']}")
            raise _Bad
        return record, card

    def _action(self, row: _Row) -> None:
        objective, _ = self._known_objective(row)
        text, line = self.text(row, "Azione", required=True), self.integer(row, "Riga")
        if self.yes_no(row, "Ritirata", default=False):
            self.skipped.append(f"azione ritirata di {objective['code']}: {text[:60]}")
            return
        objective["actions"].append({"text": text, "line": line})

    def _indicator(self, row: _Row) -> None:
        objective, _ = self._known_objective(row)
        batteries = [b.value for b in Battery]
        battery = self.choice(row, "Tipo", {b: b for b in batteries}, batteries)
        unit = self.choice(row, "Unità", UNIT_BY_LABEL, [UNIT_LABELS[u] for u in Unit])
        for header, value, allowed in (("Tipo", battery, batteries), ("Unità", unit, [UNIT_LABELS[u] for u in Unit])):
            if value is None:
                self.problem(row.sheet, row.ref(header), header, f"valore mancante (ammessi: {', '.join(allowed)})")
                raise _Bad
        objective["indicators"].append(
            {
                "battery": battery,
                "text": self.text(row, "Indicatore", required=True),
                "unit": unit,
                "higher_is_better": self.yes_no(row, "Più alto è meglio", default=True),
                "line": self.integer(row, "Riga"),
            }
        )

    def _target(self, row: _Row, seen: set[tuple[str, str, int]]) -> None:
        objective, _ = self._known_objective(row)
        text = self.text(row, "Indicatore", required=True)
        indicator = next((i for i in objective["indicators"] if i["text"].casefold() == text.casefold()), None)
        if indicator is None:
            self.problem(
                row.sheet,
                row.ref("Indicatore"),
                "Indicatore",
                f"indicatore non presente fra gli Indicatori dell'obiettivo {objective['code']} (il testo va copiato "
                "tale e quale)",
            )
            raise _Bad
        year = self.integer(row, "Anno", required=True)
        assert year is not None
        if self.years and not self.years[0] <= year <= self.years[1]:
            self.problem(
                row.sheet, row.ref("Anno"), "Anno", f"anno {year} fuori dal piano ({self.years[0]}-{self.years[1]})"
            )
            raise _Bad
        if (objective["code"], indicator["text"], year) in seen:
            self.problem(row.sheet, row.ref("Anno"), "Anno", f"target {year} di questo indicatore ripetuto")
            raise _Bad
        seen.add((objective["code"], indicator["text"], year))
        try:
            baseline, target = clean_target(
                indicator["unit"],
                self._raw(row, "Valore di partenza", number_cell),
                self._raw(row, "Target", number_cell),
                baseline_field="Valore di partenza",
            )
        except FieldError as exc:
            self.problem(row.sheet, row.ref(exc.field), exc.field, exc.message)
            raise _Bad from None
        indicator.setdefault("targets", []).append({"year": year, "baseline": baseline, "target": target})

    def _budget(self, row: _Row) -> None:
        origin = self.text(row, "Origine", limit=500)
        if origin and origin.casefold() != ORIGIN_DOCUMENT.casefold():
            self.skipped.append(f"budget impostato nell'app (riga {row.number} del foglio Budget)")
            return
        area = self.known_area(row)
        target = self.text(row, "Obiettivo", limit=40)
        whole = not target or target.casefold().startswith(WHOLE_CARD)
        if whole:
            card = self._known_card(row)
            objective = None
        else:
            record, card = self._known_objective(row)
            objective = record["code"]
            if self.text(row, "Scheda", limit=8) not in ("", card["code"]):
                self.problem(
                    row.sheet, row.ref("Scheda"), "Scheda", f"l'obiettivo {objective} è della scheda {card['code']}"
                )
                raise _Bad
        if card["area"] != area:
            self.problem(row.sheet, row.ref("Area"), "Area", f"la scheda {card['code']} è dell'area {card['area']}")
            raise _Bad
        sources = [SHORT_FUNDING_LABELS[s] for s in FundingSource] + [NO_SOURCE]
        source = self.choice(row, "Fonte", FUNDING_BY_LABEL | {NO_SOURCE: None}, sources)
        amount = self.amount(row, "Importo")
        to_be_completed = bool(self.yes_no(row, "Da completare", default=False))
        if to_be_completed and amount is not None:
            self.problem(row.sheet, row.ref("Importo"), "Importo", "una voce «da completare» non può avere un importo")
            raise _Bad
        year = self.integer(row, "Anno")
        if year is not None and self.years and not self.years[0] <= year <= self.years[1]:
            first, last = self.years
            self.problem(
                row.sheet, row.ref("Anno"), "Anno", f"anno {year} fuori dal periodo del piano ({first}-{last})"
            )
            raise _Bad
        item = self.text(row, "Voce", limit=MAX_NOTE)
        text = self.text(row, "Testo del documento")
        if not item and not text:
            self.problem(row.sheet, row.ref("Voce"), "Voce", "valore mancante (o «Testo del documento»)")
            raise _Bad
        kinds = [BUDGET_KIND_LABELS[k] for k in BudgetKind]
        card["budget"].append(
            {
                "objective": objective,
                "item": item,
                "source": source,
                "public": self.choice(row, "Pubblico/privato", PUBLIC_BY_LABEL, list(PUBLIC_LABELS.values())),
                "amount": amount,
                "approximate": bool(self.yes_no(row, "Circa", default=False)),
                "to_be_completed": to_be_completed,
                "year": year,
                "text": text,
                "line": self.integer(row, "Riga"),
                "kind": self.choice(row, SHEETS["Budget"][-1].header, KIND_BY_LABEL, kinds, BudgetKind.PREVENTIVATO),
            }
        )
