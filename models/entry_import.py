"""Import of a filled entry template (models/entry_template.py): check everything first, then save it all at once.

`check_import` writes nothing: it opens the file through models/xlsx_guard (size, kind, zip bomb, XML bomb),
checks the template's identity (`_meta`: format, version, semester, areas the actor may write), the headers of
every sheet, then every cell with the form's own rules (models/validation.py), each failure a Problem naming
sheet, cell and field. Per objective it then builds the ReportInput the form would send and plans its save
(`reports.plan_save`: every check of save_report and its exact changes, on the objectives' saved data read once
by models/report_context.load_contexts; nothing written): the preview lists exactly the changes the save will
make, and a locked report, a conflict or a permission failure is known before anything is written.
`apply_import` then plans again on the data read afresh and writes every objective at once (reports.write_plans)
in the caller's transaction: all of them or, on any failure (e.g. somebody saved in the app since the check:
ConflictError), none.

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
  saved report. An objective whose input equals what is saved skips the dry run (plan_save), so an unchanged
  report that is read-only (sent, approved) is no problem; a changed one is, named on its Valutazione row.
- A closed semester or, for a lead, a passed deadline refuses the whole file once, not objective by objective.
- A file with any Problem has no changes and no inputs in its preview: nothing of it can be applied.
- The work is bounded (issue 15): models/xlsx_guard refuses files with more rows, cells or strings than any
  template has, and the check stops at the first MAX_PROBLEMS problems (`truncated`): a 1,3-million-row file
  once produced 1,3 million entries in 155 s, kept in the user's session. Counting the rest would mean parsing
  the rest (openpyxl costs ~40 µs per cell), so the page says "e altri" without a number.
Reading cells: models/import_cells.py; an objective's saved report, draft and merge: models/import_drafts.py.
Over 400 lines: the checker is one class reading the template's sheets in order, its steps share its state.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import Any

from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from sqlmodel import Session

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
    SHEET_ACTIONS,
    SHEET_ASSESSMENT,
    SHEET_INDICATORS,
    SHEET_META,
    SHEET_SPEND,
    SPEND_FIELDS,
    SPLIT_PREFIX,
    Field,
    area_letters,
    indicator_fields,
    sub_area_codes,
)
from models.entry_view import editable_objectives
from models.errors import InputRefused, NotFound
from models.import_cells import (
    BAD_CELL,
    CellRefused,
    SheetLine,
    StopCheck,
    amount_cell,
    as_id,
    input_value,
    number_cell,
    plain_cell,
    text_cell,
)
from models.import_drafts import Draft, ObjectiveNow, load_objective, merged_input, same_input
from models.permissions import Actor, PermissionDenied, require_template_areas
from models.report_context import ReportContext, load_contexts
from models.reports import (
    ConflictError,
    IndicatorInput,
    ReportInput,
    ReportLocked,
    SpendInput,
    ValidationFailed,
    edit_block_reason,
    plan_save,
    plan_saves,
    write_plans,
)
from models.tables import (
    MacroArea,
    Objective,
    Semester,
    pk,
)
from models.validation import (
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
        raise NotFound("Semestre non trovato.")
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
    except StopCheck:
        preview.truncated = True
    finally:
        wb.close()
    if preview.problems:
        preview.changes, preview.inputs = [], []  # nothing half-imported from a file with errors
    return preview


def apply_import(preview: ImportPreview, *, actor: Actor, session: Session, today: date | None = None) -> ImportResult:
    """Save every objective of a checked file in the caller's transaction: all of them, or none."""
    if preview.problems:
        raise InputRefused("Il file contiene errori: correggerli e caricarlo di nuovo prima di importare.")
    if not preview.inputs:
        raise InputRefused("Nessuna modifica da importare.")
    require_template_areas(actor, preview.areas)  # the actor may have lost an area since the check
    if any(data.semester_id != preview.semester_id for data in preview.inputs):
        raise InputRefused("Importazione non valida: obiettivi di semestri diversi.")
    with session.begin_nested():  # a failure rolls back every objective, even if the caller commits anyway
        # save_report's checks and writes, for all the objectives at once (their data read in a few queries)
        results = write_plans(session, plan_saves(session, preview.inputs, actor=actor, today=today), actor)
    return ImportResult(reports=len(preview.inputs), changes=sum(len(r.changes) for r in results))


class _Check:
    """One run of check_import: reads the workbook into drafts, then (no problem found) dry-runs each objective."""

    def __init__(self, session: Session, actor: Actor, semester: Semester, preview: ImportPreview, today: date | None):
        self.session, self.actor, self.semester, self.preview, self.today = session, actor, semester, preview, today
        self.problems = preview.problems
        self.catalogue: dict[int, dict] = {}  # objectives of the file's areas the actor may edit, in order
        self.by_code: dict[str, list[int]] = {}
        self.contexts: dict[int, ObjectiveNow] = {}
        self.drafts: dict[int, Draft] = {}
        self.generated_versions: dict[int, int | None] = {}
        self.spend_rows: set[tuple[int, str]] = set()  # (objective, source) rows met in Spesa
        self.loaded: dict[int, ReportContext] = {}  # the catalogue's saved data, read at once (models/report_context)

    def problem(self, sheet: str, cell: str, message: str) -> None:
        self.problems.append(Problem(sheet, cell, message))
        if len(self.problems) >= MAX_PROBLEMS:
            raise StopCheck

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

    def _lines(self, wb: Workbook, sheet: str, fields: tuple[Field, ...]) -> Iterator[SheetLine]:
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
            yield SheetLine(sheet, number, {f.key: c for f, c in zip(fields, row)}, by_key, letters)

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
        self, line: SheetLine, key: str, reader: Callable[[Any], Any], clean: Callable[[Any, str], Any] | None = None
    ) -> Any:
        """The cell's clean value, or BAD_CELL after recording its problem (naming sheet, cell and field)."""
        header = line.fields[key].header
        try:
            raw = reader(line.cells[key])
            return clean(raw, header) if clean else raw
        except CellRefused as exc:
            self.problem(line.sheet, line.ref(key), f"{header}: {exc}")
        except FieldError as exc:
            self.problem(line.sheet, line.ref(key), str(exc))
        return BAD_CELL

    def _objective(self, line: SheetLine, *, code_allowed: bool = False) -> ObjectiveNow | None:
        """The objective a row belongs to (hidden id; in Spesa's extra rows, the typed code)."""
        raw = self.read(line, "objective_id", plain_cell)
        if raw is BAD_CELL:
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
        objective_id = as_id(raw)
        if objective_id not in self.catalogue:
            self.problem(line.sheet, line.ref("objective_id"), f"id obiettivo: {self._not_in_template(raw)}")
            return None
        return self._context(objective_id)

    def _objective_by_code(self, line: SheetLine) -> ObjectiveNow | None:
        code = self.read(line, "code", text_cell)
        if code is BAD_CELL:
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
        objective_id = as_id(raw)
        found = self.session.get(Objective, objective_id) if objective_id is not None else None
        if found is None:
            return f"riferimento «{raw}» non valido: non modificare le colonne nascoste."
        area = self.session.get(MacroArea, found.area_id)
        return (
            f"l'obiettivo {found.code} (area {area.letter if area else '?'}) non è tra quelli che si possono "
            f"compilare con questo modello (aree {', '.join(self.preview.areas)})."
        )

    def _draft(self, objective: ObjectiveNow, line: SheetLine) -> Draft:
        if objective.id not in self.drafts:
            self.drafts[objective.id] = Draft(objective, (line.sheet, line.ref("code")))
        return self.drafts[objective.id]

    def _row_id(self, line: SheetLine, column: str, allowed, seen, code: str, words: tuple[str, str]) -> int | None:
        """The hidden id of an action or indicator row: it must belong to the row's objective, once."""
        raw = self.read(line, column, plain_cell)
        if raw is BAD_CELL:
            return None
        row_id = as_id(raw)
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

    def _action(self, line: SheetLine) -> None:
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
        state = self.read(line, "state", plain_cell, lambda raw, f: clean_action_state("" if raw is None else raw, f))
        if state is BAD_CELL:
            return
        draft.actions[action_id] = state

    def _indicator(self, line: SheetLine) -> None:
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
        reader = number_cell if unit in NUMERIC_UNITS else (text_cell if unit == Unit.TESTO else plain_cell)
        value = self.read(line, "value", reader, lambda raw, f: clean_indicator_value(unit, raw, f))
        note = self.read(line, "note", text_cell, lambda raw, f: clean_text(raw, f, limit=MAX_NOTE))
        split_keys = [k for k in line.cells if k.startswith(SPLIT_PREFIX)]
        split = {k[len(SPLIT_PREFIX) :]: self.read(line, k, number_cell, clean_number) for k in split_keys}
        if BAD_CELL in (value, note, *split.values()):
            return
        try:
            split = clean_split(unit, value[0], split, SPLIT_FIELD)
        except FieldError as exc:
            first = next((k for k in split_keys if line.cells[k].value is not None), split_keys[0])
            self.problem(line.sheet, line.ref(first), str(exc))
            return
        draft.indicators[indicator_id] = IndicatorInput(input_value(unit, *value), note, split)

    def _spend(self, line: SheetLine) -> None:
        values = {
            key: self.read(line, key, reader, clean)
            for key, reader, clean in (
                ("committed", number_cell, amount_cell),
                ("paid", number_cell, amount_cell),
                ("document", text_cell, lambda raw, f: clean_text(raw, f, limit=MAX_REF)),
                ("note", text_cell, lambda raw, f: clean_text(raw, f, limit=MAX_NOTE)),
                ("confirm", plain_cell, clean_yes_no),
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
        if BAD_CELL in values.values():
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

    def _source(self, line: SheetLine) -> str | None:
        text = self.read(line, "source", text_cell)
        if text is BAD_CELL:
            return None
        source = _SOURCES.get(str(text or "").strip().casefold())
        if source is None:
            allowed = ", ".join(SHORT_FUNDING_LABELS.values())
            what = f"«{text}» non ammessa" if text else "da scegliere"
            self.problem(line.sheet, line.ref("source"), f"Fonte: {what} (ammesse: {allowed}).")
        return source

    def _spend_rule_ok(self, line: SheetLine, source: str, item: SpendInput, line_objective: int) -> bool:
        """Paid above committed, or an amount far above the objective's budget, needs the confirmation and a note:
        the form's rule, on the cell it concerns."""
        self._context(line_objective)
        by_source, total = self.loaded[line_objective].budget
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

    def _assessment(self, line: SheetLine) -> None:
        objective = self._objective(line)
        if objective is None:
            return
        draft = self._draft(objective, line)
        if draft.qualitative is not None:
            self.problem(line.sheet, line.ref("objective_id"), "Riga ripetuta: una sola riga per obiettivo.")
            return
        draft.anchor = (line.sheet, line.ref("code"))  # the objective's own row names it best
        text = partial(clean_text, limit=MAX_TEXT)
        rules: dict[str, tuple[Callable[[Any], Any], Callable[[Any, str], Any]]] = {
            "users_assessment": (text_cell, text),
            "users_not_relevant": (plain_cell, clean_yes_no),
            "resource_adequacy": (plain_cell, clean_adequacy),
            "critical_issues": (text_cell, text),
            "need_answered": (plain_cell, clean_yes_no),
            "need_reason": (text_cell, text),
            "proposed_again": (plain_cell, clean_yes_no),
            "proposed_reason": (text_cell, text),
        }
        q = {key: self.read(line, key, reader, clean) for key, (reader, clean) in rules.items()}
        if BAD_CELL in q.values():
            return
        q["users_not_relevant"] = bool(q["users_not_relevant"])
        draft.qualitative = q

    # --- one objective: what is saved now, merge, dry run -----------------------------------

    def _context(self, objective_id: int) -> ObjectiveNow:
        if not self.loaded:  # on the first row: every objective of the file's areas, in a few queries
            self.loaded = load_contexts(self.session, pk(self.semester), self.catalogue, budget_year=self.semester.year)
        if objective_id not in self.contexts:
            self.contexts[objective_id] = load_objective(self.loaded[objective_id], self.catalogue[objective_id])
        return self.contexts[objective_id]

    def _dry_run(self, draft: Draft) -> None:
        objective = draft.objective
        data = merged_input(draft)
        sheet, cell = draft.anchor
        if same_input(data, objective.saved):  # no save needed to know: also fine for a read-only report
            self.preview.unchanged += objective.report_id is not None
            return
        try:  # save_report's checks and exact changes, nothing written
            plan = plan_save(
                self.loaded[objective.id],
                data,
                semester=self.semester,
                actor=self.actor,
                session=self.session,
                today=self.today,
            )
        except (ReportLocked, ConflictError, PermissionDenied) as exc:
            self.problem(sheet, cell, f"Obiettivo {objective.code}: {exc}")
            return
        except ValidationFailed as exc:  # a rule across rows (none today): named on the objective's row
            for error in exc.errors:
                self.problem(sheet, cell, f"Obiettivo {objective.code} – {error}")
            return
        changes = plan.changes
        if not changes:
            self.preview.unchanged += objective.report_id is not None
            return
        data.base_snapshot = plan.before  # the version it starts from, as it was at the check
        self.preview.inputs.append(data)
        self.preview.changes.extend(
            ChangeRow(objective.area, objective.code, label, old, new) for label, old, new in changes
        )
        if objective.id in self.generated_versions and self.generated_versions[objective.id] != objective.version:
            self.preview.notices.append(
                f"Obiettivo {objective.code}: il report è stato salvato nell'applicazione dopo la creazione del "
                "modello; le modifiche elencate sostituiscono anche i dati salvati nel frattempo: controllarle."
            )
