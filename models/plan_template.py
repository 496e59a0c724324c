"""The empty plan workbook: the export's sheets and columns (models/plan_sheets.py), an «Istruzioni» sheet and
drop-down lists, for an Ambito that writes its plan in Excel and imports it (models/plan_import.py).

The Piano sheet lists its fields, the Aree sheet holds the region's macro-areas (editable); every other sheet
has only its header row. Area, card and sub-area cells offer the codes written in their own sheets (a list
from a range: Excel updates it as rows are added); type, unit, funding source and the yes/no cells offer fixed
lists, kept in the hidden sheet «Elenchi» (the import ignores it).
"""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from sqlmodel import Session

from models.permissions import Actor, require_office
from models.plan_sheets import CHOICES, PIANO_FIELDS, REGIONAL_AREAS, SHEETS, WHOLE_CARD
from models.xlsx import append_row, header_row, put, to_bytes

TEMPLATE_FILE = "modello_piano_di_zona.xlsx"
LAST_ROW = 2000  # drop-downs reach this row; the biggest sheet of the real plan has 137 rows
RANGES = {  # lists taken from another sheet's column (header -> (sheet, column letter))
    "Area": ("Aree", "A"),
    "Scheda": ("Schede", "B"),
    "Sotto-ambito": ("Sotto-ambiti", "A"),
    "Obiettivo": ("Obiettivi", "C"),
}
NO_RANGE = {("Budget", "Obiettivo")}  # also «intera scheda X» or empty: no list there
LISTS_SHEET = "Elenchi"  # hidden: the fixed lists (Excel refuses a written-out list over 255 characters)
INSTRUCTIONS = (
    "Modello del Piano di Zona: come compilarlo",
    "",
    "Si compilano i fogli nell'ordine: Piano, Aree, Punti chiave, Sotto-ambiti, Comuni, Schede, Caratteristiche, "
    "Obiettivi, Azioni, Indicatori, Budget, Target. Una riga per voce; le righe vuote sono ignorate; l'ordine delle "
    "righe è l'ordine del piano.",
    "Piano: titolo, nome dell'Ambito, primo e ultimo anno del triennio (numeri interi), documento di origine "
    "(facoltativo).",
    "Aree: le macro-aree della Regione (già scritte; si possono togliere o aggiungere). Ogni colonna «Area» degli "
    "altri fogli offre solo queste lettere.",
    "Sotto-ambiti e Comuni: un comune per riga, con il codice del suo sotto-ambito.",
    "Schede: una scheda obiettivo per riga (codice, ad esempio A o J1, e area). Caratteristiche: le domande SI/NO "
    "della scheda (X.8-X.22), una riga per domanda, facoltative.",
    "Obiettivi: codice unico (ad esempio A.1), scheda, tipo (generale o specifico) e testo.",
    "Azioni e Indicatori: il codice dell'obiettivo a cui appartengono. Indicatori: tipo processo, output o "
    "outcome; unità dall'elenco; «Più alto è meglio» No per tempi di attesa e simili. La colonna Target è un "
    "riepilogo e non viene importata: i target si scrivono nel foglio Target.",
    "Target (facoltativo): per ogni indicatore e anno del triennio, valore di partenza e target; il testo "
    "dell'indicatore va copiato tale e quale dal foglio Indicatori. Indicatore sì/no: 1 (sì) o 0 (no); "
    "indicatore testuale: nessun valore. Accanto a ogni target importato l'app mostra chi ha importato il file "
    "e quando; la colonna Origine non viene importata. I target non elencati restano come sono.",
    f"Budget: obiettivo (oppure vuoto o «{WHOLE_CARD} X» per l'intera scheda X), fonte dall'elenco, importo in "
    "euro (numero, ad esempio 1234,56), anno vuoto per l'intero triennio. Origine vuota o «documento del piano»: "
    "le righe con un'altra origine (budget fissati nell'app) non vengono importate.",
    "«Riga»: la riga del documento del piano da cui viene la voce (facoltativa).",
    "",
    "Importazione: pagina Impostazione piano (Ufficio di Piano) oppure `make import-plan FILE=...`. Il file è "
    "controllato tutto prima: se c'è anche un solo errore nulla viene scritto e si vede l'elenco con foglio, "
    "cella, campo e problema. Se è corretto, l'anteprima dice che cosa verrà creato, modificato e ritirato; "
    "la conferma salva tutto insieme. Le voci tolte dal file vengono ritirate, mai cancellate.",
    "Non scrivere formule: solo valori.",
)


def build_plan_template() -> bytes:
    """The empty plan workbook, ready to fill in and import."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Istruzioni"
    ws.column_dimensions["A"].width = 120
    for number, line in enumerate(INSTRUCTIONS, start=1):
        cell = put(ws.cell(row=number, column=1), line)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if number == 1:
            cell.font = Font(bold=True, size=14)
    for title, columns in SHEETS.items():
        sheet = wb.create_sheet(title)
        header_row(sheet, columns)
        sheet.freeze_panes = "A2"
        if title == "Piano":
            for label in PIANO_FIELDS.values():
                append_row(sheet, [label, None], columns)
        elif title == "Aree":
            for letter, area_title in REGIONAL_AREAS:
                append_row(sheet, [letter, area_title, None], columns)
    lists = wb.create_sheet(LISTS_SHEET)
    lists.sheet_state = "hidden"
    for title, columns in SHEETS.items():
        _drop_downs(wb[title], [c.header for c in columns], lists)
    wb.properties.title = "Modello del Piano di Zona"
    wb.properties.creator = "Monitoraggio Piano di Zona"
    return to_bytes(wb)


def _fixed_list(lists: Worksheet, values: list[str]) -> str:
    """The values in a new column of the hidden Elenchi sheet; the formula of that range."""
    column = get_column_letter(lists.max_column + (1 if lists.max_row > 1 or lists["A1"].value else 0))
    for number, value in enumerate(values, start=1):
        put(lists[f"{column}{number}"], value)
    return f"'{LISTS_SHEET}'!${column}$1:${column}${len(values)}"


def _drop_downs(ws: Worksheet, headers: list[str], lists: Worksheet) -> None:
    for index, header in enumerate(headers, start=1):
        cells = f"{get_column_letter(index)}2:{get_column_letter(index)}{LAST_ROW}"
        if (ws.title, header) in CHOICES:
            formula = _fixed_list(lists, CHOICES[(ws.title, header)])
        elif header in RANGES and (ws.title, header) not in NO_RANGE and RANGES[header][0] != ws.title:
            sheet, column = RANGES[header]
            formula = f"'{sheet}'!${column}$2:${column}${LAST_ROW}"
        else:
            continue
        check = DataValidation(
            type="list",
            formula1=formula,
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=header,
            error=f"Scegliere un valore dall'elenco della colonna «{header}».",
        )
        check.add(cells)
        ws.add_data_validation(check)


def plan_template_for(*, actor: Actor, session: Session) -> bytes:
    """The template for the page's download button (built at the click, for the Ufficio di Piano only)."""
    require_office(actor, "il modello del piano")
    return build_plan_template()
