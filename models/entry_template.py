"""The offline entry template: one workbook per semester and areas, pre-filled with what is saved now.

A lead downloads it, fills the highlighted cells in Excel and uploads it (models/entry_import.py): the import
reads the same layouts defined here, so the two cannot drift apart. Because the template shows the current
saved values, uploading it unchanged changes nothing.

Sheets: Istruzioni (first, active), Azioni, Indicatori, Spesa, Valutazione, and a very hidden `_meta` naming
the format, its version, the semester and the areas. Every sheet is protected (no password: the protection
only guides the user; the import checks everything again) with the editable cells unlocked and highlighted.
Every value goes through models/xlsx.put: a text starting with = + - @ stays text, never a formula.

Over 400 lines: one writer per sheet; the layouts they define are read back by the import.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from sqlmodel import Session, col, select

from models.demo_mark import demo_file_name, mark_workbook
from models.entry_view import EntryView, editable_objectives, load_entry
from models.errors import InputRefused, NotFound
from models.permissions import Actor, require_template_areas
from models.provenance import TARGET, set_by, target_origin
from models.tables import IndicatorTarget, MacroArea, Semester, SubArea, pk
from models.validation import MAX_NOTE, MAX_REF, MAX_TEXT
from models.vocab import (
    ADEGUACY_LABELS,
    NO,
    SHORT_FUNDING_LABELS,
    UNIT_LABELS,
    YES,
    ActionState,
    FundingSource,
    Unit,
    report_state_label,
    semester_label,
    yes_no_label,
)
from models.xlsx import EURO_FORMAT, TEXT_WIDTH, Column, header_row, put, to_bytes
from models.xlsx_guard import MAX_UPLOAD_BYTES

FORMAT_NAME = "pdz-modello-inserimento"
FORMAT_VERSION = 1  # bump when a layout below changes: older files are then refused, not misread
EXTRA_SPEND_ROWS = 10  # empty rows at the bottom of Spesa for a funding source not in the budget
OBJECTIVE_TEXT_CHARS = 120  # enough to recognise the objective next to its code

SHEET_INSTRUCTIONS = "Istruzioni"
SHEET_ACTIONS = "Azioni"
SHEET_INDICATORS = "Indicatori"
SHEET_SPEND = "Spesa"
SHEET_ASSESSMENT = "Valutazione"
SHEET_META = "_meta"

# _meta: key in column A, value in column B; then one row per objective under OBJECTIVES_HEADER.
META_FORMAT, META_VERSION, META_YEAR, META_HALF = "formato", "versione", "anno", "semestre"
META_AREAS, META_GENERATED, META_BY = "aree", "generato il", "generato da"
META_OBJECTIVES_HEADER = ("id obiettivo", "obiettivo", "versione del report alla generazione")

_HIGHLIGHT_SAMPLE = "Esempio di cella modificabile"
EDITABLE_FILL = PatternFill("solid", fgColor="FFF9C4")  # light yellow: "write here"
_UNLOCKED = Protection(locked=False)
_TOP = Alignment(vertical="top")
_WRAP = Alignment(vertical="top", wrap_text=True)

# Drop-down lists (Excel's inline lists: at most 255 characters, no commas inside a value).
CHOICES: dict[str, tuple[str, ...]] = {
    "state": tuple(s.value for s in ActionState),
    "yes_no": (YES, NO),
    "adequacy": tuple(ADEGUACY_LABELS.values()),
    "source": tuple(SHORT_FUNDING_LABELS[s] for s in FundingSource),
}


@dataclass(frozen=True)
class Field:
    """One column of a sheet: the import checks the header and reads the value by `key`."""

    key: str
    header: str
    width: float
    editable: bool = False
    hidden: bool = False
    wrap: bool = False
    number_format: str | None = None
    choices: str | None = None  # a key of CHOICES: a drop-down on the editable cells

    @property
    def column(self) -> Column:
        return Column(self.header, self.width, self.wrap, self.number_format)


_OBJECTIVE_ID = Field("objective_id", "id obiettivo", 6, hidden=True)
_AREA = Field("area", "Area", 6)
_CODE = Field("code", "Obiettivo", 10)
_OBJECTIVE_TEXT = Field("objective_text", "Descrizione obiettivo", 40, wrap=True)

ACTION_FIELDS: tuple[Field, ...] = (
    _OBJECTIVE_ID,
    Field("action_id", "id azione", 6, hidden=True),
    _AREA,
    _CODE,
    _OBJECTIVE_TEXT,
    Field("number", "N.", 5),
    Field("action", "Azione", TEXT_WIDTH, wrap=True),
    Field("state", "Stato", 16, editable=True, choices="state"),
)

SPEND_FIELDS: tuple[Field, ...] = (
    _OBJECTIVE_ID,
    _AREA,
    _CODE,
    Field("source", "Fonte", 18, choices="source"),
    Field("committed", "Impegnato (€)", 16, editable=True, number_format=EURO_FORMAT),
    Field("paid", "Liquidato (€)", 16, editable=True, number_format=EURO_FORMAT),
    Field("document", "Documento", 24, editable=True, wrap=True),
    Field("note", "Nota", 40, editable=True, wrap=True),
    Field("confirm", "Conferma liquidato > impegnato", 16, editable=True, choices="yes_no"),
)
SPEND_EXTRA_EDITABLE = frozenset({"code", "source"})  # in the empty rows the user names objective and source

ASSESSMENT_FIELDS: tuple[Field, ...] = (
    _OBJECTIVE_ID,
    _AREA,
    _CODE,
    _OBJECTIVE_TEXT,
    Field("report_state", "Stato del report", 14),
    Field("users_assessment", "Valutazione degli utenti", 40, editable=True, wrap=True),
    Field("users_not_relevant", "Non pertinente (SI/NO)", 13, editable=True, choices="yes_no"),
    Field("resource_adequacy", "Adeguatezza delle risorse", 24, editable=True, choices="adequacy"),
    Field("critical_issues", "Criticità e piano di miglioramento", 50, editable=True, wrap=True),
    Field("need_answered", "Bisogno soddisfatto (SI/NO)", 13, editable=True, choices="yes_no"),
    Field("need_reason", "Bisogno soddisfatto – motivazione", 40, editable=True, wrap=True),
    Field("proposed_again", "Da riproporre (SI/NO)", 13, editable=True, choices="yes_no"),
    Field("proposed_reason", "Da riproporre – motivazione", 40, editable=True, wrap=True),
)

SPLIT_PREFIX = "split:"  # indicator field keys of the sub-area columns: split:AT1 ...


def indicator_fields(sub_area_codes: list[str]) -> tuple[Field, ...]:
    """Indicatori's columns: one per sub-area (AT1..AT7 from the SubArea table) at the end."""
    return (
        _OBJECTIVE_ID,
        Field("indicator_id", "id indicatore", 6, hidden=True),
        _AREA,
        _CODE,
        Field("battery", "Tipo", 10),
        Field("indicator", "Indicatore", 60, wrap=True),
        Field("unit", "Unità", 16),
        Field("target", "Target", 11),
        Field("previous", "Valore precedente", 16, wrap=True),
        Field("value", "Valore", 18, editable=True, wrap=True),
        Field("note", "Nota", 40, editable=True, wrap=True),
        *(Field(f"{SPLIT_PREFIX}{code}", code, 8, editable=True) for code in sub_area_codes),
    )


def sub_area_codes(session: Session) -> list[str]:
    return list(session.exec(select(SubArea.code).order_by(col(SubArea.position), col(SubArea.id))))


def area_letters(areas: list[str]) -> list[str]:
    """The chosen areas, upper-case, once each, in alphabetical (= catalogue) order."""
    return sorted({a.strip().upper() for a in areas if a and a.strip()})


def template_file_name(semester_id: int, areas: list[str], *, session: Session) -> str:
    semester = _semester(session, semester_id)
    letters = "-".join("".join(ch for ch in a if ch.isalnum()) for a in area_letters(areas))
    return demo_file_name(f"modello_inserimento_{semester.year}-{semester.half}_{letters}.xlsx", session=session)


def build_template(semester_id: int, areas: list[str], *, actor: Actor, session: Session) -> bytes:
    """The workbook for these areas (only the actor's: PermissionDenied otherwise) and this semester."""
    letters = area_letters(areas)
    require_template_areas(actor, letters)
    semester = _semester(session, semester_id)
    _check_areas_exist(session, letters)
    objectives = [o for o in editable_objectives(actor=actor, session=session) if o["area"] in letters]
    if not objectives:
        raise InputRefused(f"Nessun obiettivo specifico da compilare per le aree {', '.join(letters)}.")
    views = [load_entry(o["id"], semester_id, actor=actor, session=session, for_form=False) for o in objectives]
    subs = sub_area_codes(session)
    generated = datetime.now()

    wb = Workbook()
    _instructions(wb.active, semester, letters, generated, actor, subs)
    _table(wb, SHEET_ACTIONS, ACTION_FIELDS, [r for v in views for r in _action_rows(v)])
    indicators = _table(wb, SHEET_INDICATORS, indicator_fields(subs), [r for v in views for r in _indicator_rows(v)])
    _target_origin_notes(indicators, indicator_fields(subs), session, semester.year)
    _table(wb, SHEET_SPEND, SPEND_FIELDS, [r for v in views for r in _spend_rows(v)] + _extra_spend_rows())
    _table(wb, SHEET_ASSESSMENT, ASSESSMENT_FIELDS, [_assessment_row(v) for v in views])
    _meta(wb, semester, letters, generated, actor, views)
    wb.active = 0
    wb.properties.creator = "Monitoraggio Piano di Zona"
    wb.properties.title = f"Modello di inserimento {semester_label(semester.year, semester.half)}"
    mark_workbook(wb, session=session, title_sheets=[SHEET_INSTRUCTIONS])  # never the header rows: import reads them
    return to_bytes(wb)


# --- rows -------------------------------------------------------------------------------------


@dataclass
class _Row:
    values: dict[str, Any]
    editable: frozenset[str] = frozenset()  # fields editable in this row although not in the whole column
    locked: frozenset[str] = frozenset()  # editable fields locked in this row
    choices: dict[str, str] = field(default_factory=dict)  # field key -> CHOICES key, for this row only


def _identity(view: EntryView) -> dict[str, Any]:
    o = view.objective
    return {
        "objective_id": o["id"],
        "area": o["area"],
        "code": o["code"],
        "objective_text": _short(o["text"], OBJECTIVE_TEXT_CHARS),
    }


def _action_rows(view: EntryView) -> list[_Row]:
    return [
        _Row(
            {
                **_identity(view),
                "action_id": a["id"],
                "number": a["position"] + 1,
                "action": a["text"] + (" (azione ritirata: non conteggiata)" if a["retired"] else ""),
                "state": a["state"],
            }
        )
        for a in view.actions
    ]


def _indicator_rows(view: EntryView) -> list[_Row]:
    rows = []
    for ind in view.indicators:
        unit = ind["unit"]
        previous = ind["history"][-1][1] if ind["history"] else None
        values = {
            **_identity(view),
            "indicator_id": ind["id"],
            "battery": ind["battery"],
            "indicator": ind["text"] + (" (ritirato)" if ind["retired"] else ""),
            "unit": UNIT_LABELS.get(Unit(unit), unit),
            "target": ind["target"],
            "previous": shown_value(unit, previous),
            "note": ind["note"],
            "value": ind["value_text"] if unit == Unit.TESTO else shown_value(unit, ind["value_num"]),
        }
        values.update({f"{SPLIT_PREFIX}{code}": v for code, v in ind["split"].items()})
        split_keys = frozenset(f"{SPLIT_PREFIX}{code}" for code in view.sub_areas)
        rows.append(
            _Row(
                values,
                locked=frozenset() if unit == Unit.NUMERO else split_keys,
                choices={"value": "yes_no"} if unit == Unit.SI_NO else {},
            )
        )
    return rows


def shown_value(unit: str, value: Any) -> Any:
    """A saved value as the template shows it: yes/no as SI/NO, numbers as numbers."""
    if value is None:
        return None
    if unit == Unit.SI_NO and isinstance(value, (int, float)):
        return YES if value else NO
    return value


def _spend_rows(view: EntryView) -> list[_Row]:
    """The report's spend rows, then one empty row per budget source not yet reported."""
    rows = []
    for sp in view.spend:
        rows.append(
            _Row(
                {
                    **_identity(view),
                    "source": SHORT_FUNDING_LABELS[FundingSource(sp["source"])],
                    "committed": sp["committed"],
                    "paid": sp["paid"],
                    "document": sp["document_ref"],
                    "note": sp["note"],
                    "confirm": YES if sp["paid"] > sp["committed"] else None,
                }
            )
        )
    reported = {sp["source"] for sp in view.spend}
    for source in view.budget_sources:
        if source not in reported:
            rows.append(_Row({**_identity(view), "source": SHORT_FUNDING_LABELS[FundingSource(source)]}))
    return rows


def _extra_spend_rows() -> list[_Row]:
    return [_Row({}, editable=SPEND_EXTRA_EDITABLE) for _ in range(EXTRA_SPEND_ROWS)]


def _assessment_row(view: EntryView) -> _Row:
    r = view.report
    values = {**_identity(view), "report_state": report_state_label(r["state"] if r else None)}
    if r:
        values.update(
            {
                "users_assessment": r["users_assessment"],
                "users_not_relevant": yes_no(r["users_not_relevant"]),
                "resource_adequacy": ADEGUACY_LABELS.get(r["resource_adequacy"]) if r["resource_adequacy"] else None,
                "critical_issues": r["critical_issues"],
                "need_answered": yes_no(r["need_answered"]),
                "need_reason": r["need_reason"],
                "proposed_again": yes_no(r["proposed_again"]),
                "proposed_reason": r["proposed_reason"],
            }
        )
    return _Row(values)


yes_no = yes_no_label  # the template writes the grid's SI / NO like every other screen


# --- writing ----------------------------------------------------------------------------------


def _target_origin_notes(ws: Worksheet, fields: tuple[Field, ...], session: Session, year: int) -> None:
    """Each target cell says where the target comes from, as a cell note (provenance.Origin): a note, not a
    column, so templates already handed out still import."""
    keys = [f.key for f in fields]
    id_col, target_col = keys.index("indicator_id") + 1, keys.index("target") + 1
    ids = [ws.cell(row=r, column=id_col).value for r in range(2, ws.max_row + 1)]
    targets = {
        t.indicator_id: pk(t)
        for t in session.exec(
            select(IndicatorTarget).where(
                col(IndicatorTarget.indicator_id).in_([i for i in ids if i]),
                IndicatorTarget.year == year,
                col(IndicatorTarget.target).is_not(None),
            )
        )
    }
    found = set_by(session, TARGET, targets.values())
    for r, ind in enumerate(ids, start=2):
        if ind in targets:
            ws.cell(row=r, column=target_col).comment = Comment(
                f"Target {year}: {target_origin(found, targets[ind]).label}", "Monitoraggio Piano di Zona"
            )


def _table(wb: Workbook, title: str, fields: tuple[Field, ...], rows: list[_Row]) -> Worksheet:
    """A protected sheet: header, one row per record, editable cells unlocked, highlighted, with drop-downs."""
    ws = wb.create_sheet(title)
    header_row(ws, tuple(f.column for f in fields))
    lists: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))  # choice -> column -> rows
    for r, row in enumerate(rows, start=2):
        for c, spec in enumerate(fields, start=1):
            cell = put(ws.cell(row=r, column=c), row.values.get(spec.key), spec.number_format)
            cell.alignment = _WRAP if spec.wrap else _TOP
            if (spec.editable or spec.key in row.editable) and spec.key not in row.locked:
                cell.protection, cell.fill = _UNLOCKED, EDITABLE_FILL
                choice = row.choices.get(spec.key, spec.choices)
                if choice:
                    lists[choice][get_column_letter(c)].append(r)
    for choice, columns in lists.items():
        ws.add_data_validation(_drop_down(choice, columns))
    for c, spec in enumerate(fields, start=1):
        if spec.hidden:
            ws.column_dimensions[get_column_letter(c)].hidden = True
    code_column = next(c for c, spec in enumerate(fields, start=1) if spec.key == "code")
    ws.freeze_panes = f"{get_column_letter(code_column + 1)}2"  # header and identity stay in view
    ws.auto_filter.ref = f"A1:{get_column_letter(len(fields))}{max(len(rows) + 1, 2)}"
    _protect(ws)
    return ws


def _drop_down(choice: str, columns: dict[str, list[int]]) -> DataValidation:
    values = ",".join(CHOICES[choice])
    dv = DataValidation(
        type="list",
        formula1=f'"{values}"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Valore non ammesso",
        error=f"Scegliere dall'elenco: {values.replace(',', ', ')}.",
    )
    dv.sqref = " ".join(_ranges(columns))  # one string: adding cells one by one is quadratic in openpyxl
    return dv


def _ranges(columns: dict[str, list[int]]) -> list[str]:
    """Runs of consecutive rows as ranges: H2:H40 instead of 39 cells."""
    out = []
    for letter, rows in columns.items():
        start = prev = rows[0]
        for r in [*rows[1:], None]:
            if r is not None and r == prev + 1:
                prev = r
                continue
            out.append(f"{letter}{start}" if start == prev else f"{letter}{start}:{letter}{prev}")
            if r is not None:
                start = prev = r
    return out


def _protect(ws: Worksheet) -> None:
    """Locked cells cannot be typed over; resizing and filtering stay allowed (True means 'protected')."""
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    ws.protection.autoFilter = False


def _instructions(
    ws: Worksheet, semester: Semester, letters: list[str], generated: datetime, actor: Actor, subs: list[str]
) -> None:
    ws.title = SHEET_INSTRUCTIONS
    ws.column_dimensions["A"].width = 120
    label = semester_label(semester.year, semester.half)
    for r, (text, bold) in enumerate(_instruction_lines(label, letters, generated, actor, subs), start=1):
        cell = put(ws.cell(row=r, column=1), text)
        cell.alignment = _WRAP
        if bold:
            cell.font = Font(bold=True, size=14 if r == 1 else 11)
        if text.startswith(_HIGHLIGHT_SAMPLE):
            cell.fill = EDITABLE_FILL
    _protect(ws)


def _instruction_lines(
    label: str, letters: list[str], generated: datetime, actor: Actor, subs: list[str]
) -> list[tuple[str, bool]]:
    sub_text = ", ".join(subs) if subs else "nessun sub-ambito definito"
    lines: list[tuple[str, bool]] = [
        ("Modello di inserimento dati – Monitoraggio del Piano di Zona", True),
        (f"Semestre: {label}", False),
        (f"Macro-aree: {', '.join(letters)}", False),
        (f"Generato il {generated:%d/%m/%Y alle %H:%M} per {actor.name or actor.username}", False),
        ("", False),
        ("Che cosa compilare", True),
        (
            "Si scrive solo nelle celle evidenziate in giallo chiaro; le altre celle sono protette. Il modello "
            "contiene già i dati salvati finora nell'applicazione: se si carica il file senza modificarlo non cambia "
            "nulla.",
            False,
        ),
        (f"{_HIGHLIGHT_SAMPLE} (cella da compilare)", False),
        (
            f"• Foglio «{SHEET_ACTIONS}»: lo stato di ogni azione programmata, scelto dall'elenco "
            f"({', '.join(CHOICES['state'])}).",
            False,
        ),
        (
            f"• Foglio «{SHEET_INDICATORS}»: il valore del semestre di ogni indicatore (Valore), una nota facoltativa "
            f"e, solo per gli indicatori numerici, la ripartizione facoltativa per sub-ambito ({sub_text}): se "
            "compilata, la somma dei sub-ambiti deve essere uguale al Valore. Target e Valore precedente sono "
            "solo informativi.",
            False,
        ),
        (
            f"• Foglio «{SHEET_SPEND}»: impegnato e liquidato in euro per fonte di finanziamento, il documento "
            "giustificativo e una nota. Se il liquidato supera l'impegnato scrivere SI in «Conferma liquidato > "
            "impegnato» e spiegare il motivo nella Nota. Per una fonte che non compare, usare una delle righe vuote in "
            f"fondo al foglio ({EXTRA_SPEND_ROWS} righe): scrivere il codice dell'obiettivo (es. A.1) nella colonna "
            "Obiettivo e scegliere la Fonte. Una sola riga per obiettivo e fonte. Svuotare una riga già salvata "
            "azzera impegnato e liquidato di quella fonte (non la elimina).",
            False,
        ),
        (f"• Foglio «{SHEET_ASSESSMENT}»: la griglia regionale di valutazione, una riga per obiettivo.", False),
        ("", False),
        ("Come scrivere i valori", True),
        (
            "• Numeri: come numero di Excel oppure come testo in formato italiano (1.234,5). Non sono ammessi numeri "
            "negativi né date (Excel trasforma ad esempio 1/2 in una data: scrivere il numero).",
            False,
        ),
        ("• Percentuali: un numero da 0 a 100 (45,5 significa 45,5 %).", False),
        ("• Sì/no: SI oppure NO dall'elenco; una cella vuota significa «non indicato».", False),
        (f"• Adeguatezza delle risorse: scegliere dall'elenco ({', '.join(CHOICES['adequacy'])}).", False),
        (
            f"• Testi: al massimo {MAX_TEXT} caratteri; note al massimo {MAX_NOTE}; documento al massimo {MAX_REF}.",
            False,
        ),
        (
            "• Formule: non ammesse. Una cella che contiene una formula (anche =A1+1) viene rifiutata: scrivere il "
            "valore. Per un testo che inizia con =, +, - o @ scrivere prima un apostrofo (es. '=obiettivo).",
            False,
        ),
        (
            "• Non aggiungere, rinominare, spostare o eliminare fogli, righe o colonne: l'unica eccezione sono le "
            "righe "
            f"vuote già predisposte in fondo al foglio «{SHEET_SPEND}». Le colonne nascoste contengono i riferimenti "
            "dell'applicazione.",
            False,
        ),
        ("", False),
        ("Come caricare il file", True),
        (
            "Nella pagina «Report ed Excel» dell'applicazione scegliere lo stesso semestre e caricare il file .xlsx "
            f"(al massimo {MAX_UPLOAD_BYTES // (1024 * 1024)} MB). L'applicazione controlla ogni cella con le stesse "
            "regole del modulo di inserimento: in caso di errori indica foglio, cella e motivo e non salva nulla. "
            "Altrimenti mostra l'elenco delle modifiche, che vengono salvate tutte insieme solo dopo la conferma.",
            False,
        ),
        (
            f"Il modello vale solo per il {label} e per le aree {', '.join(letters)}. I report già inviati o approvati "
            "sono in sola lettura. Se qualcuno salva lo stesso obiettivo nell'applicazione dopo il download, "
            "l'anteprima lo segnala (i valori del file sostituiscono quelli salvati: controllarli); se succede tra "
            "l'anteprima e la conferma, l'importazione viene rifiutata e non salva nulla.",
            False,
        ),
    ]
    return lines


def _meta(
    wb: Workbook, semester: Semester, letters: list[str], generated: datetime, actor: Actor, views: list[EntryView]
) -> None:
    ws = wb.create_sheet(SHEET_META)
    pairs = (
        (META_FORMAT, FORMAT_NAME),
        (META_VERSION, FORMAT_VERSION),
        (META_YEAR, semester.year),
        (META_HALF, semester.half),
        (META_AREAS, ",".join(letters)),
        (META_GENERATED, generated.isoformat(timespec="seconds")),
        (META_BY, actor.username),
    )
    for r, (key, value) in enumerate(pairs, start=1):
        put(ws.cell(row=r, column=1), key)
        put(ws.cell(row=r, column=2), value)
    start = len(pairs) + 2
    for c, header in enumerate(META_OBJECTIVES_HEADER, start=1):
        put(ws.cell(row=start, column=c), header)
    for r, view in enumerate(views, start=start + 1):
        put(ws.cell(row=r, column=1), view.objective["id"])
        put(ws.cell(row=r, column=2), view.objective["code"])
        put(ws.cell(row=r, column=3), view.report["version"] if view.report else None)
    ws.sheet_state = "veryHidden"  # not listed by Excel's "Unhide": only the import reads it
    _protect(ws)


# --- lookups ----------------------------------------------------------------------------------


def _semester(session: Session, semester_id: int) -> Semester:
    semester = session.get(Semester, semester_id)
    if semester is None:
        raise NotFound("Semestre non trovato.")
    return semester


def _check_areas_exist(session: Session, letters: list[str]) -> None:
    known = set(session.exec(select(MacroArea.letter)))
    unknown = [a for a in letters if a not in known]
    if unknown:
        raise InputRefused(f"Macro-area sconosciuta: {', '.join(unknown)}.")


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


__all__ = [
    "ACTION_FIELDS",
    "ASSESSMENT_FIELDS",
    "CHOICES",
    "EXTRA_SPEND_ROWS",
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "Field",
    "SPEND_FIELDS",
    "build_template",
    "indicator_fields",
    "template_file_name",
]
