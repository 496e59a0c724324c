"""Import of a filled entry template (models/entry_template.py): check everything first, then save it all at once.

`check_import` writes nothing: it opens the file through models/xlsx_guard (size, kind, zip bomb, XML bomb),
checks the template's identity (`_meta`: format, version, semester, areas the actor may write), the headers of
every sheet, then every cell with the form's own rules (models/validation.py), each failure a Problem naming
sheet, cell and field. Per objective it then builds the ReportInput the form would send and runs
`reports.save_report` inside a SAVEPOINT that is rolled back: the preview lists exactly the changes the save
will make, and a locked report, a conflict or a permission failure is known before anything is written.
`apply_import` then saves every objective in the caller's transaction: all of them or, on any failure (e.g.
somebody saved in the app since the check: ConflictError), none.

Decisions:
- Formulas are refused in every cell the import reads ("la cella contiene una formula: scrivere il valore").
  The file is read with data_only=False, so a formula is seen as a formula: its cached result may be missing or
  stale (a file written by a program, a spreadsheet with recalculation off), and a value nobody typed must not
  enter the monitoring. A text starting with "=" is fine when it is text (typed with a leading apostrophe).
- A date or time in a number cell is refused ("data non ammessa: atteso un numero"): Excel silently turns
  "1/2" into a date. Text in a number cell goes through clean_number, the form's parser (certain readings
  only: "1.234,5" is accepted, "1,234.5", "2.5" and "abc" are not); a numeric cell is read as it is, and both
  meet the same plausibility limits (validation.LIMITS).
  A number Excel shows as a percentage (typed "45%", stored 0.45) is read as 45, as the form reads "45%".
- Empty rows are nothing: a report that does not exist yet and whose rows are all empty or default (actions
  "non avviata") is not created. An existing report whose rows change nothing is counted in `unchanged`.
  An action left "non avviata" that has no state saved yet stays without state (same figures, no change).
- Spend rows: the pre-filled ones plus EXTRA_SPEND_ROWS empty rows where the user types the objective code
  and picks the source. A source missing from the file keeps its saved figures; a saved row whose two amounts
  are emptied in the file becomes «nessun dato» (removed, as in the form), never a row of zeros.
- Rows missing from the file (deleted despite the protection) keep what is saved: the input starts from the
  saved report. An objective whose input equals what is saved skips the dry run, so an unchanged report that
  is read-only (sent, approved) is no problem; a changed one is, named on its Valutazione row.
- A closed semester or, for a lead, a passed deadline refuses the whole file once, not objective by objective.
- A file with any Problem has no changes and no inputs in its preview: nothing of it can be applied.
- The work is bounded (issue 15): models/xlsx_guard refuses files with more rows, cells or strings than any
  template has, and the check stops at the first MAX_PROBLEMS problems (`truncated`): a 1,3-million-row file
  once produced 1,3 million entries in 155 s, kept in the user's session. Counting the rest would mean parsing
  the rest (openpyxl costs ~40 µs per cell), so the page says "e altri" without a number.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from sqlmodel import Session, col, select

from models.entry_template import (
    ACTION_FIELDS,
    ASSESSMENT_FIELDS,
    FORMAT_NAME,
    FORMAT_VERSION,
    META_AREAS,
    META_FORMAT,
    META_HALF,
    META_OBJECTIVES_HEADER,
    META_VERSION,
    META_YEAR,
    NO,
    SHEET_ACTIONS,
    SHEET_ASSESSMENT,
    SHEET_INDICATORS,
    SHEET_META,
    SHEET_SPEND,
    SPEND_FIELDS,
    SPLIT_PREFIX,
    YES,
    Field,
    area_letters,
    indicator_fields,
    sub_area_codes,
)
from models.permissions import Actor, PermissionDenied, require_template_areas
from models.reports import (
    ConflictError,
    IndicatorInput,
    ReportInput,
    ReportLocked,
    SpendInput,
    ValidationFailed,
    edit_block_reason,
    editable_objectives,
    live_actions,
    live_indicators,
    objective_budget,
    report_snapshot,
    save_report,
)
from models.tables import (
    ActionStatus,
    IndicatorValue,
    MacroArea,
    Objective,
    Report,
    Semester,
    Spend,
    SubArea,
    SubAreaValue,
    pk,
)
from models.validation import (
    EURO,
    MAX_NOTE,
    MAX_REF,
    MAX_TEXT,
    FieldError,
    clean_action_state,
    clean_adequacy,
    clean_indicator_value,
    clean_number,
    clean_spend,
    clean_split,
    clean_text,
    clean_yes_no,
)
from models.vocab import (
    FUNDING_LABELS,
    SHORT_FUNDING_LABELS,
    ActionState,
    FundingSource,
    Unit,
    funding_label,
    semester_label,
)
from models.xlsx_guard import MAX_UPLOAD_BYTES, WorkbookRefused, open_workbook, read_rows

__all__ = [
    "MAX_PROBLEMS",
    "MAX_UPLOAD_BYTES",
    "ChangeRow",
    "ImportPreview",
    "ImportResult",
    "Problem",
    "apply_import",
    "check_import",
]

FORMULA_REFUSED = "la cella contiene una formula: scrivere il valore"
DATE_REFUSED = "data non ammessa: atteso un numero"
NOT_A_TEMPLATE = (
    "Il file non è un modello di inserimento di questa applicazione (manca il foglio nascosto "
    "«_meta» o non è valido): scaricare il modello dalla pagina «Report ed Excel», compilarlo e "
    "caricarlo senza cambiarne la struttura."
)
SPLIT_FIELD = "Ripartizione per sub-ambito"
NUMERIC_UNITS = (Unit.NUMERO, Unit.PERCENTUALE)
MAX_PROBLEMS = 200  # the check stops there: the first ones show the pattern, reading on would only cost time
_SOURCES = {
    text.casefold(): s.value for s in FundingSource for text in (s.value, SHORT_FUNDING_LABELS[s], FUNDING_LABELS[s])
}


@dataclass
class Problem:
    sheet: str
    cell: str  # "" when the problem is the whole file (or a whole sheet)
    message: str


@dataclass
class ChangeRow:
    area: str
    objective: str
    field: str
    old: str | None
    new: str | None


@dataclass
class ImportPreview:
    semester_id: int
    semester_label: str
    areas: list[str]
    problems: list[Problem]
    changes: list[ChangeRow]
    inputs: list[ReportInput]  # one per objective that will be saved, base_version = version at check time
    unchanged: int  # existing reports in the file with nothing to change
    notices: list[str] = field(default_factory=list)  # worth reading, not blocking (report saved since download)
    truncated: bool = False  # the check stopped at MAX_PROBLEMS problems: there may be more

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.changes)


@dataclass
class ImportResult:
    reports: int
    changes: int


def check_import(
    content: bytes, *, semester_id: int, actor: Actor, session: Session, today: date | None = None
) -> ImportPreview:
    """Everything the import would do, and every problem in the file; writes nothing."""
    semester = session.get(Semester, semester_id)
    if semester is None:
        raise ValueError("Semestre non trovato.")
    preview = ImportPreview(semester_id, semester_label(semester.year, semester.half), [], [], [], [], 0)
    try:
        wb = open_workbook(content)
    except WorkbookRefused as exc:
        preview.problems.append(Problem("", "", str(exc)))
        return preview
    try:
        _Check(session, actor, semester, preview, today).run(wb)
    except WorkbookRefused as exc:  # a sheet that fails to parse half way (XML bomb, damaged part)
        preview.problems[:] = [Problem("", "", str(exc))]
        preview.truncated = False
    except _Stop:
        preview.truncated = True
    finally:
        wb.close()
    if preview.problems:
        preview.changes, preview.inputs = [], []  # nothing half-imported from a file with errors
    return preview


def apply_import(preview: ImportPreview, *, actor: Actor, session: Session, today: date | None = None) -> ImportResult:
    """Save every objective of a checked file in the caller's transaction: all of them, or none."""
    if preview.problems:
        raise ValueError("Il file contiene errori: correggerli e caricarlo di nuovo prima di importare.")
    if not preview.inputs:
        raise ValueError("Nessuna modifica da importare.")
    require_template_areas(actor, preview.areas)  # the actor may have lost an area since the check
    changes = 0
    with session.begin_nested():  # a failure rolls back every objective, even if the caller commits anyway
        for data in preview.inputs:
            if data.semester_id != preview.semester_id:
                raise ValueError("Importazione non valida: obiettivi di semestri diversi.")
            changes += len(save_report(data, actor=actor, session=session, today=today).changes)
    return ImportResult(reports=len(preview.inputs), changes=changes)


# --- reading cells ----------------------------------------------------------------------------


class _Stop(Exception):
    """MAX_PROBLEMS problems found: the check ends here."""


class _CellRefused(ValueError):
    """A cell that cannot be read as a value (formula, Excel error, date in a number)."""


_BAD = object()  # a cell whose problem is already recorded


def _plain(cell: Any) -> Any:
    if cell.data_type == "f":
        raise _CellRefused(FORMULA_REFUSED)
    if cell.data_type == "e":
        raise _CellRefused(f"la cella contiene un errore di Excel ({cell.value}): scrivere il valore")
    value = cell.value
    if isinstance(value, str) and value.strip() == "":
        return None
    return value


def _number(cell: Any) -> Any:
    value = _plain(cell)
    if isinstance(value, (date, time, timedelta)):  # datetime is a date
        raise _CellRefused(DATE_REFUSED)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and "%" in (cell.number_format or ""):
        return round(value * 100, 9)  # typed "45%": Excel stores 0.45
    return value


def _text(cell: Any) -> Any:
    """A text cell: whatever Excel made of what was typed, back to text (12 -> "12", a date -> 12/05/2025)."""
    value = _plain(cell)
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, datetime):
        return f"{value:%d/%m/%Y}" if value.time() == time(0) else f"{value:%d/%m/%Y %H:%M}"
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, (time, timedelta)):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value).replace(".", ",")
    if isinstance(value, int):
        return str(value)
    return value


@dataclass
class _Line:
    """One data row of a sheet: cells by field key."""

    sheet: str
    number: int
    cells: dict[str, Any]
    fields: dict[str, Field]
    letters: dict[str, str]

    def ref(self, key: str) -> str:
        return f"{self.letters[key]}{self.number}"

    def empty(self, keys: tuple[str, ...]) -> bool:
        return all(self.cells[k].value is None for k in keys)


# --- what one objective is now, and what the file says --------------------------------------


@dataclass
class _Objective:
    id: int
    code: str
    area: str
    report_id: int | None
    version: int | None
    actions: set[int]  # live actions
    indicators: dict[int, str]  # live indicator -> unit
    saved: ReportInput  # the saved report as the form would send it


@dataclass
class _Draft:
    objective: _Objective
    anchor: tuple[str, str]  # sheet and cell naming the objective in problems
    actions: dict[int, str] = field(default_factory=dict)
    indicators: dict[int, IndicatorInput] = field(default_factory=dict)
    spend: dict[str, SpendInput] = field(default_factory=dict)
    qualitative: dict[str, Any] | None = None


_QUALITATIVE = (
    "users_assessment",
    "users_not_relevant",
    "resource_adequacy",
    "critical_issues",
    "need_answered",
    "need_reason",
    "proposed_again",
    "proposed_reason",
)


class _Check:
    """One run of check_import: reads the workbook into drafts, then (no problem found) dry-runs each objective."""

    def __init__(self, session: Session, actor: Actor, semester: Semester, preview: ImportPreview, today: date | None):
        self.session, self.actor, self.semester, self.preview, self.today = session, actor, semester, preview, today
        self.problems = preview.problems
        self.catalogue: dict[int, dict] = {}  # objectives of the file's areas the actor may edit, in order
        self.by_code: dict[str, list[int]] = {}
        self.contexts: dict[int, _Objective] = {}
        self.drafts: dict[int, _Draft] = {}
        self.generated_versions: dict[int, int | None] = {}
        self.spend_rows: set[tuple[int, str]] = set()  # (objective, source) rows met in Spesa
        self.budgets: dict[int, tuple[dict[str, float], float]] = {}  # objective -> reports.objective_budget

    def problem(self, sheet: str, cell: str, message: str) -> None:
        self.problems.append(Problem(sheet, cell, message))
        if len(self.problems) >= MAX_PROBLEMS:
            raise _Stop

    def run(self, wb: Workbook) -> None:
        if not self._identity(wb):
            return
        subs = sub_area_codes(self.session)
        for sheet, fields, parse in (
            (SHEET_ACTIONS, ACTION_FIELDS, self._action),
            (SHEET_INDICATORS, indicator_fields(subs), self._indicator),
            (SHEET_SPEND, SPEND_FIELDS, self._spend),
            (SHEET_ASSESSMENT, ASSESSMENT_FIELDS, self._assessment),
        ):
            for line in self._lines(wb, sheet, fields):
                parse(line)
        if self.problems:
            return
        for objective_id in self.catalogue:
            if objective_id in self.drafts:
                self._dry_run(self.drafts[objective_id])

    # --- the file as a whole ----------------------------------------------------------------

    def _identity(self, wb: Workbook) -> bool:
        """_meta: our format and version, this semester, areas the actor may write. False: refused."""
        meta = self._meta(wb)
        if meta is None:
            self.problem("", "", NOT_A_TEMPLATE)
            return False
        if meta.get(META_FORMAT) != FORMAT_NAME:
            self.problem("", "", NOT_A_TEMPLATE)
            return False
        if meta.get(META_VERSION) != FORMAT_VERSION:
            self.problem(
                "",
                "",
                f"Il modello è in un formato diverso da quello attuale (versione "
                f"{meta.get(META_VERSION)}, attesa {FORMAT_VERSION}): scaricare un nuovo modello "
                "e riportarvi i dati.",
            )
            return False
        year, half = meta.get(META_YEAR), meta.get(META_HALF)
        if (year, half) != (self.semester.year, self.semester.half):
            theirs = semester_label(year, half) if half in (1, 2) and isinstance(year, int) else "semestre ignoto"
            ours = self.preview.semester_label
            self.problem(
                "",
                "",
                f"Il modello è del {theirs}, ma si sta importando nel {ours}: scegliere il "
                f"{theirs} oppure scaricare il modello del {ours}.",
            )
            return False
        areas = area_letters(str(meta.get(META_AREAS) or "").split(","))
        self.preview.areas = areas
        try:
            require_template_areas(self.actor, areas)
        except PermissionDenied as exc:
            self.problem("", "", f"{exc} Il modello riguarda le aree {', '.join(areas) or '—'}.")
            return False
        reasons = dict.fromkeys(
            r for a in areas if (r := edit_block_reason(self.actor, a, self.semester, None, self.today))
        )
        for reason in reasons:  # the semester is closed, or the deadline passed: once for the whole file
            self.problem("", "", reason)
        for o in editable_objectives(actor=self.actor, session=self.session):
            if o["area"] in areas:
                self.catalogue[o["id"]] = o
                self.by_code.setdefault(o["code"].casefold(), []).append(o["id"])
        return not reasons

    def _meta(self, wb: Workbook) -> dict[str, Any] | None:
        if SHEET_META not in wb.sheetnames:
            return None
        meta: dict[str, Any] = {}
        in_objectives = False
        for row in read_rows(wb[SHEET_META], max_col=3):
            if any(c.data_type == "f" for c in row):
                return None
            key, value, version = (c.value for c in row)
            if in_objectives and isinstance(key, int):
                self.generated_versions[key] = version if isinstance(version, int) else None
            elif key == META_OBJECTIVES_HEADER[0]:
                in_objectives = True
            elif isinstance(key, str) and not in_objectives:
                meta[key] = value
        return meta

    def _lines(self, wb: Workbook, sheet: str, fields: tuple[Field, ...]) -> Iterator[_Line]:
        """Data rows of a sheet whose headers are the expected ones; a Problem for each wrong header."""
        if sheet not in wb.sheetnames:
            self.problem(sheet, "", f"Foglio «{sheet}» mancante: non eliminare né rinominare i fogli del modello.")
            return
        rows = read_rows(wb[sheet], max_col=len(fields) + 1)
        header = next(rows, ())
        if not self._headers_ok(sheet, header, fields):
            return
        by_key = {f.key: f for f in fields}
        letters = {f.key: get_column_letter(i) for i, f in enumerate(fields, start=1)}
        for number, row in enumerate(rows, start=2):
            if all(c.value is None for c in row[: len(fields)]):
                continue
            yield _Line(sheet, number, {f.key: c for f, c in zip(fields, row)}, by_key, letters)

    def _headers_ok(self, sheet: str, header: tuple[Any, ...], fields: tuple[Field, ...]) -> bool:
        found = [" ".join(str(c.value).split()) if c.value is not None else "" for c in header]
        found += [""] * (len(fields) + 1 - len(found))
        ok = True
        for i, spec in enumerate(fields):
            if found[i] != spec.header:
                ok = False
                self.problem(
                    sheet,
                    f"{get_column_letter(i + 1)}1",
                    f"Intestazione «{found[i] or 'vuota'}» al posto di «{spec.header}»: non aggiungere, "
                    "rinominare, spostare o eliminare colonne (se serve, scaricare un nuovo modello).",
                )
        if found[len(fields)]:
            ok = False
            self.problem(
                sheet,
                f"{get_column_letter(len(fields) + 1)}1",
                f"Colonna «{found[len(fields)]}» non prevista: non aggiungere colonne al modello.",
            )
        return ok

    # --- one cell ---------------------------------------------------------------------------

    def read(
        self, line: _Line, key: str, reader: Callable[[Any], Any], clean: Callable[[Any, str], Any] | None = None
    ) -> Any:
        """The cell's clean value, or _BAD after recording its problem (naming sheet, cell and field)."""
        header = line.fields[key].header
        try:
            raw = reader(line.cells[key])
            return clean(raw, header) if clean else raw
        except _CellRefused as exc:
            self.problem(line.sheet, line.ref(key), f"{header}: {exc}")
        except FieldError as exc:
            self.problem(line.sheet, line.ref(key), str(exc))
        return _BAD

    def _objective(self, line: _Line, *, code_allowed: bool = False) -> _Objective | None:
        """The objective a row belongs to (hidden id; in Spesa's extra rows, the typed code)."""
        raw = self.read(line, "objective_id", _plain)
        if raw is _BAD:
            return None
        if raw is None:
            if code_allowed:
                return self._objective_by_code(line)
            self.problem(
                line.sheet,
                line.ref("objective_id"),
                "id obiettivo: riga senza riferimento all'obiettivo: non aggiungere righe in questo foglio.",
            )
            return None
        objective_id = _as_id(raw)
        if objective_id not in self.catalogue:
            self.problem(line.sheet, line.ref("objective_id"), f"id obiettivo: {self._not_in_template(raw)}")
            return None
        return self._context(objective_id)

    def _objective_by_code(self, line: _Line) -> _Objective | None:
        code = self.read(line, "code", _text)
        if code is _BAD:
            return None
        ids = self.by_code.get(str(code or "").strip().casefold(), [])
        if len(ids) != 1:
            known = ", ".join(o["code"] for o in self.catalogue.values())
            self.problem(
                line.sheet,
                line.ref("code"),
                "Obiettivo: indicare il codice di un obiettivo del modello"
                + (f" («{code}» non è tra questi: {known})." if code else f" ({known})."),
            )
            return None
        return self._context(ids[0])

    def _not_in_template(self, raw: Any) -> str:
        objective_id = _as_id(raw)
        found = self.session.get(Objective, objective_id) if objective_id is not None else None
        if found is None:
            return f"riferimento «{raw}» non valido: non modificare le colonne nascoste."
        area = self.session.get(MacroArea, found.area_id)
        return (
            f"l'obiettivo {found.code} (area {area.letter if area else '?'}) non è tra quelli che si possono "
            f"compilare con questo modello (aree {', '.join(self.preview.areas)})."
        )

    def _draft(self, objective: _Objective, line: _Line) -> _Draft:
        if objective.id not in self.drafts:
            self.drafts[objective.id] = _Draft(objective, (line.sheet, line.ref("code")))
        return self.drafts[objective.id]

    def _row_id(self, line: _Line, column: str, allowed, seen, code: str, words: tuple[str, str]) -> int | None:
        """The hidden id of an action or indicator row: it must belong to the row's objective, once."""
        raw = self.read(line, column, _plain)
        if raw is _BAD:
            return None
        row_id = _as_id(raw)
        what, wrong = words
        if row_id is None or row_id not in allowed:
            self.problem(
                line.sheet,
                line.ref(column),
                f"id {what}: {wrong} dell'obiettivo {code}: non modificare le colonne nascoste.",
            )
            return None
        if row_id in seen:
            self.problem(line.sheet, line.ref(column), f"Riga ripetuta: una sola riga per {what}.")
            return None
        return row_id

    # --- the four sheets --------------------------------------------------------------------

    def _action(self, line: _Line) -> None:
        objective = self._objective(line)
        if objective is None:
            return
        draft = self._draft(objective, line)
        action_id = self._row_id(
            line,
            "action_id",
            objective.actions,
            draft.actions,
            objective.code,
            ("azione", "l'azione indicata non è un'azione"),
        )
        if action_id is None:
            return
        state = self.read(line, "state", _plain, lambda raw, f: clean_action_state("" if raw is None else raw, f))
        if state is _BAD:
            return
        draft.actions[action_id] = state

    def _indicator(self, line: _Line) -> None:
        objective = self._objective(line)
        if objective is None:
            return
        draft = self._draft(objective, line)
        indicator_id = self._row_id(
            line,
            "indicator_id",
            objective.indicators,
            draft.indicators,
            objective.code,
            ("indicatore", "l'indicatore indicato non è un indicatore"),
        )
        if indicator_id is None:
            return
        unit = objective.indicators[indicator_id]
        reader = _number if unit in NUMERIC_UNITS else (_text if unit == Unit.TESTO else _plain)
        value = self.read(line, "value", reader, lambda raw, f: clean_indicator_value(unit, raw, f))
        note = self.read(line, "note", _text, lambda raw, f: clean_text(raw, f, limit=MAX_NOTE))
        split_keys = [k for k in line.cells if k.startswith(SPLIT_PREFIX)]
        split = {k[len(SPLIT_PREFIX) :]: self.read(line, k, _number, clean_number) for k in split_keys}
        if _BAD in (value, note, *split.values()):
            return
        try:
            split = clean_split(unit, value[0], split, SPLIT_FIELD)
        except FieldError as exc:
            first = next((k for k in split_keys if line.cells[k].value is not None), split_keys[0])
            self.problem(line.sheet, line.ref(first), str(exc))
            return
        draft.indicators[indicator_id] = IndicatorInput(_input_value(unit, *value), note, split)

    def _spend(self, line: _Line) -> None:
        values = {
            key: self.read(line, key, reader, clean)
            for key, reader, clean in (
                ("committed", _number, _amount),
                ("paid", _number, _amount),
                ("document", _text, lambda raw, f: clean_text(raw, f, limit=MAX_REF)),
                ("note", _text, lambda raw, f: clean_text(raw, f, limit=MAX_NOTE)),
                ("confirm", _plain, clean_yes_no),
            )
        }
        blank = all(values[k] in (None, "") for k in ("committed", "paid", "document", "note"))
        if blank and line.empty(("objective_id",)):
            return  # an unused extra row (perhaps with a source picked)
        objective = self._objective(line, code_allowed=True)
        source = self._source(line)
        if objective is None or source is None:
            return
        draft = self._draft(objective, line)
        if (objective.id, source) in self.spend_rows:  # even if one of the two rows is empty: which one counts?
            self.problem(
                line.sheet,
                line.ref("source"),
                f"Fonte: «{funding_label(source)}» ripetuta per "
                f"l'obiettivo {objective.code}: una sola riga per obiettivo e fonte.",
            )
            return
        self.spend_rows.add((objective.id, source))
        if _BAD in values.values():
            return
        if blank and source not in {s.source for s in objective.saved.spend}:
            return  # nothing spent and nothing saved: no row of zeros
        prior = next((s for s in objective.saved.spend if s.source == source), None)
        kept = prior is not None and ((values["committed"] or 0.0), (values["paid"] or 0.0)) == (
            prior.committed,
            prior.paid,
        )
        item = SpendInput(
            source,
            values["committed"],
            values["paid"],
            values["document"],
            values["note"],
            bool(values["confirm"]) or kept,
        )  # a saved confirmation holds while figures are unchanged
        if not self._spend_rule_ok(line, source, item, objective.id):
            return
        draft.spend[source] = item

    def _source(self, line: _Line) -> str | None:
        text = self.read(line, "source", _text)
        if text is _BAD:
            return None
        source = _SOURCES.get(str(text or "").strip().casefold())
        if source is None:
            allowed = ", ".join(SHORT_FUNDING_LABELS.values())
            what = f"«{text}» non ammessa" if text else "da scegliere"
            self.problem(line.sheet, line.ref("source"), f"Fonte: {what} (ammesse: {allowed}).")
        return source

    def _spend_rule_ok(self, line: _Line, source: str, item: SpendInput, line_objective: int) -> bool:
        """Paid above committed, or an amount far above the objective's budget, needs the confirmation and a note:
        the form's rule, on the cell it concerns."""
        if line_objective not in self.budgets:  # one query per objective, not per spend row
            self.budgets[line_objective] = objective_budget(self.session, line_objective, self.semester.year)
        by_source, total = self.budgets[line_objective]
        try:
            clean_spend(
                item.committed,
                item.paid,
                item.note,
                confirmed=item.confirmed_over,
                field=f"Spesa {funding_label(source)}",
                budget=by_source.get(source) or total or None,
            )
        except FieldError as exc:
            key = {"impegnato": "committed", "liquidato": "paid", "nota": "note"}.get(
                exc.field.rsplit(" ", 1)[-1], "paid"
            )
            self.problem(line.sheet, line.ref(key), str(exc))
            return False
        return True

    def _assessment(self, line: _Line) -> None:
        objective = self._objective(line)
        if objective is None:
            return
        draft = self._draft(objective, line)
        if draft.qualitative is not None:
            self.problem(line.sheet, line.ref("objective_id"), "Riga ripetuta: una sola riga per obiettivo.")
            return
        draft.anchor = (line.sheet, line.ref("code"))  # the objective's own row names it best
        text = lambda raw, f: clean_text(raw, f, limit=MAX_TEXT)  # noqa: E731
        rules: dict[str, tuple[Callable[[Any], Any], Callable[[Any, str], Any]]] = {
            "users_assessment": (_text, text),
            "users_not_relevant": (_plain, clean_yes_no),
            "resource_adequacy": (_plain, clean_adequacy),
            "critical_issues": (_text, text),
            "need_answered": (_plain, clean_yes_no),
            "need_reason": (_text, text),
            "proposed_again": (_plain, clean_yes_no),
            "proposed_reason": (_text, text),
        }
        q = {key: self.read(line, key, reader, clean) for key, (reader, clean) in rules.items()}
        if _BAD in q.values():
            return
        q["users_not_relevant"] = bool(q["users_not_relevant"])
        draft.qualitative = q

    # --- one objective: what is saved now, merge, dry run -----------------------------------

    def _context(self, objective_id: int) -> _Objective:
        if objective_id not in self.contexts:
            self.contexts[objective_id] = _load_objective(self.session, self.catalogue[objective_id], pk(self.semester))
        return self.contexts[objective_id]

    def _dry_run(self, draft: _Draft) -> None:
        objective = draft.objective
        data = _merged(draft)
        sheet, cell = draft.anchor
        if _same_input(data, objective.saved):  # no save needed to know: also fine for a read-only report
            self.preview.unchanged += objective.report_id is not None
            return
        report = self.session.get(Report, objective.report_id) if objective.report_id else None
        data.base_snapshot = report_snapshot(self.session, report, objective.id)
        try:
            changes = _changes_of(self.session, data, self.actor, self.today)
        except (ReportLocked, ConflictError, PermissionDenied) as exc:
            self.problem(sheet, cell, f"Obiettivo {objective.code}: {exc}")
            return
        except ValidationFailed as exc:  # a rule across rows (none today): named on the objective's row
            for error in exc.errors:
                self.problem(sheet, cell, f"Obiettivo {objective.code} – {error}")
            return
        if not changes:
            self.preview.unchanged += objective.report_id is not None
            return
        self.preview.inputs.append(data)
        self.preview.changes.extend(
            ChangeRow(objective.area, objective.code, label, old, new) for label, old, new in changes
        )
        if objective.id in self.generated_versions and self.generated_versions[objective.id] != objective.version:
            self.preview.notices.append(
                f"Obiettivo {objective.code}: il report è stato salvato nell'applicazione dopo la creazione del "
                "modello; le modifiche elencate sostituiscono anche i dati salvati nel frattempo: controllarle."
            )


def _amount(raw: Any, field: str) -> float | None:
    return clean_number(raw, field, unit=EURO)


def _as_id(raw: Any) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    if isinstance(raw, str) and raw.strip().isdigit():
        return int(raw.strip())
    return None


def _input_value(unit: str, num: float | None, text: str) -> Any:
    """A clean indicator value as the form hands it to save_report."""
    if unit == Unit.TESTO:
        return text
    if unit == Unit.SI_NO:
        return None if num is None else bool(num)
    return num


def _load_objective(session: Session, entry: dict, semester_id: int) -> _Objective:
    """An objective's live actions and indicators and its saved report, as plain values."""
    report = session.exec(
        select(Report).where(Report.objective_id == entry["id"], Report.semester_id == semester_id)
    ).first()
    saved = ReportInput(
        objective_id=entry["id"], semester_id=semester_id, base_version=report.version if report else None
    )
    indicators = {pk(i): i.unit for i in live_indicators(session, entry["id"], report)}
    if report is not None:
        _fill_saved(session, report, indicators, saved)
    return _Objective(
        entry["id"],
        entry["code"],
        entry["area"],
        report.id if report else None,
        report.version if report else None,
        {pk(a) for a in live_actions(session, entry["id"], report)},
        indicators,
        saved,
    )


def _fill_saved(session: Session, report: Report, units: dict[int, str], saved: ReportInput) -> None:
    saved.actions = {
        s.action_id: s.state for s in session.exec(select(ActionStatus).where(ActionStatus.report_id == report.id))
    }
    values = list(session.exec(select(IndicatorValue).where(IndicatorValue.report_id == report.id)))
    splits: dict[int, dict[str, float]] = {}
    if values:
        rows = session.exec(
            select(SubAreaValue.value_id, SubArea.code, SubAreaValue.value)
            .join(SubArea, col(SubArea.id) == SubAreaValue.sub_area_id)
            .where(col(SubAreaValue.value_id).in_([v.id for v in values]))
        )
        for value_id, code, value in rows:
            splits.setdefault(value_id, {})[code] = value
    for v in values:
        unit = units.get(v.indicator_id, Unit.NUMERO)
        saved.indicators[v.indicator_id] = IndicatorInput(
            _input_value(unit, v.value_num, v.value_text), v.note, splits.get(pk(v), {})
        )
    saved.spend = [
        SpendInput(
            s.source, s.committed, s.paid, s.document_ref, s.note, confirmed_over=s.paid > s.committed
        )  # it was confirmed when saved
        for s in session.exec(select(Spend).where(Spend.report_id == report.id).order_by(Spend.source))
    ]
    for key in _QUALITATIVE:
        setattr(saved, key, getattr(report, key))


def _merged(draft: _Draft) -> ReportInput:
    """The saved report with the file's rows on top: what the form would send."""
    saved = draft.objective.saved
    data = ReportInput(
        objective_id=saved.objective_id,
        semester_id=saved.semester_id,
        base_version=saved.base_version,
        actions=dict(saved.actions),
        indicators=dict(saved.indicators),
    )
    for action_id, state in draft.actions.items():
        if state != ActionState.NON_AVVIATA or action_id in saved.actions:
            data.actions[action_id] = state  # a default state never saved stays unsaved: no change
    for indicator_id, given in draft.indicators.items():
        if indicator_id in saved.indicators or given.value not in (None, "") or given.note or given.split:
            data.indicators[indicator_id] = given
    spend = {s.source: s for s in saved.spend}
    spend.update(draft.spend)
    data.spend = list(spend.values())
    for key in _QUALITATIVE:
        setattr(data, key, getattr(saved, key) if draft.qualitative is None else draft.qualitative[key])
    return data


def _same_input(data: ReportInput, saved: ReportInput) -> bool:
    """True when saving `data` would write exactly what is saved; False is settled by the dry run (it may still
    change nothing, e.g. an assessment typed next to «non pertinente», which the save drops)."""
    return (
        data.actions == saved.actions
        and _indicator_key(data) == _indicator_key(saved)
        and _spend_key(data) == _spend_key(saved)
        and all(getattr(data, k) == getattr(saved, k) for k in _QUALITATIVE)
    )


def _indicator_key(data: ReportInput) -> dict[int, tuple[Any, str, dict[str, Any]]]:
    return {i: (v.value, v.note, v.split) for i, v in data.indicators.items()}


def _spend_key(data: ReportInput) -> list[tuple[str, float, float, str, str]]:
    return sorted((s.source, s.committed or 0.0, s.paid or 0.0, s.document_ref, s.note) for s in data.spend)


def _changes_of(
    session: Session, data: ReportInput, actor: Actor, today: date | None
) -> list[tuple[str, str | None, str | None]]:
    """save_report's exact changes, inside a SAVEPOINT that is always rolled back."""
    savepoint = session.begin_nested()
    try:
        result = save_report(data, actor=actor, session=session, today=today)
        session.flush()  # every row and audit entry inside the savepoint, so that the rollback drops them
        return result.changes
    finally:
        savepoint.rollback()
        session.expire_all()  # nothing read during the dry run may be mistaken for saved data
