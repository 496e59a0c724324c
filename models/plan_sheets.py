"""The plan workbook's layout, shared by the export (models/plan_export.py), the empty template
(models/plan_template.py) and the import (models/plan_workbook.py): sheets, columns and the words written in
its cells. One place, so that what the export writes is exactly what the import reads.

The first four table sheets (Obiettivi, Azioni, Indicatori, Budget) are the plan as people read it; the others
(Piano, Aree, Punti chiave, Sotto-ambiti, Comuni, Schede, Caratteristiche) carry what rebuilding the plan needs
besides: name of the Ambito, years, municipalities, the cards' fields, the document's line numbers; Target
holds the indicators' baseline and target per year (their Origine column is shown, not imported).
"""

from __future__ import annotations

from models.budget_rules import BUDGET_KIND_LABELS, BudgetKind
from models.plan_browser import FLAG_QUESTIONS, NOT_STATED, SERVICE_KIND_LABELS, yes_no
from models.plan_yaml import FLAG_KEYS
from models.vocab import SHORT_FUNDING_LABELS, UNIT_LABELS, Battery, FundingSource, ObjectiveKind, Unit
from models.xlsx import EURO_FORMAT, TEXT_WIDTH, Column

YES, NO = yes_no(True), yes_no(False)
NO_SOURCE = "non indicata"
PUBLIC_LABELS = {True: "pubblico", False: "privato", None: "non indicato"}
ORIGIN_DOCUMENT = "documento del piano"  # a budget line of the plan; any other origin is set in the app
WHOLE_CARD = "intera scheda"  # the Obiettivo of a budget line for the whole card: "intera scheda J1"

PREDECESSOR = "Obiettivo precedente"  # sheet Obiettivi: the code of the same objective in the previous plan
PIANO_FIELDS = {  # sheet Piano: one row per field (Campo, Valore)
    "title": "Titolo del piano",
    "ambito": "Ambito",
    "first_year": "Primo anno",
    "last_year": "Ultimo anno",
    "source": "Documento di origine",
}
FLAG_LABELS = {key: f"{FLAG_QUESTIONS[key][0]} {FLAG_QUESTIONS[key][1]}" for key in FLAG_KEYS}
SERVICE_KINDS = {code: label for code, label in SERVICE_KIND_LABELS.items()}
FUNDING_CHOICES = [SHORT_FUNDING_LABELS[s] for s in FundingSource] + [NO_SOURCE]
UNIT_CHOICES = [UNIT_LABELS[u] for u in Unit]
KIND_CHOICES = [BUDGET_KIND_LABELS[k] for k in BudgetKind]

SHEETS: dict[str, tuple[Column, ...]] = {
    "Piano": (Column("Campo", 24), Column("Valore", 60, wrap=True)),
    "Aree": (Column("Area", 7), Column("Titolo", TEXT_WIDTH, wrap=True), Column("Riga", 8)),
    "Punti chiave": (Column("Area", 7), Column("Punto chiave", TEXT_WIDTH, wrap=True), Column("Riga", 8)),
    "Sotto-ambiti": (Column("Sotto-ambito", 14), Column("Nome", 30), Column("Riga", 8)),
    "Comuni": (Column("Sotto-ambito", 14), Column("Comune", 40)),
    "Schede": (
        Column("Area", 7),
        Column("Scheda", 9),
        Column("Titolo", 40, wrap=True),
        Column("Riga", 8),
        Column("Destinatari", 40, wrap=True),
        Column("Riga destinatari", 10),
        Column("Personale dedicato", 40, wrap=True),
        Column("Riga personale", 10),
        Column("Aree trasversali", 14),
        Column("Trasversalità", 40, wrap=True),
        Column("Riga trasversalità", 10),
        Column("Tipo di servizio", 24),
        Column("Tipo di servizio (testo)", 40, wrap=True),
        Column("Riga tipo di servizio", 10),
    ),
    "Caratteristiche": (
        Column("Scheda", 9),
        Column("Caratteristica", 50, wrap=True),
        Column("Valore", 9),
        Column("Testo", TEXT_WIDTH, wrap=True),
        Column("Riga", 8),
    ),
    "Obiettivi": (
        Column("Area", 7),
        Column("Scheda", 9),
        Column("Obiettivo", 11),
        Column("Tipo", 11),
        Column("Testo", TEXT_WIDTH, wrap=True),
        Column("Riga", 8),
        Column(PREDECESSOR, 14),
    ),
    "Azioni": (
        Column("Area", 7),
        Column("Obiettivo", 11),
        Column("Azione", TEXT_WIDTH, wrap=True),
        Column("Riga", 8),
        Column("Ritirata", 10),
    ),
    "Indicatori": (
        Column("Area", 7),
        Column("Obiettivo", 11),
        Column("Tipo", 11),
        Column("Indicatore", TEXT_WIDTH, wrap=True),
        Column("Unità", 18),
        Column("Più alto è meglio", 12),
        Column("Target", 22, wrap=True),
        Column("Riga", 8),
    ),
    "Budget": (
        Column("Area", 7),
        Column("Scheda", 9),
        Column("Obiettivo", 16),
        Column("Voce", 40, wrap=True),
        Column("Testo del documento", 40, wrap=True),
        Column("Fonte", 16),
        Column("Importo", 16, number_format=EURO_FORMAT),
        Column("Pubblico/privato", 16),
        Column("Circa", 8),
        Column("Da completare", 14),
        Column("Riga", 8),
        Column("Anno", 8),
        Column("Origine", 18),
        Column("Natura (solo «preventivato» è budget del piano)", 30),
    ),
    "Target": (
        Column("Area", 7),
        Column("Obiettivo", 11),
        Column("Indicatore", TEXT_WIDTH, wrap=True),
        Column("Anno", 8),
        Column("Valore di partenza", 14),
        Column("Target", 14),
        Column("Origine", 30, wrap=True),
    ),
}
BUDGET_KIND_HEADER = "Natura (solo «preventivato» è budget del piano)"
# Sheets a workbook may lack (files exported before they existed): nothing of theirs is imported then.
OPTIONAL_SHEETS = frozenset({"Target"})
# Columns a workbook may lack (files exported before they existed), by sheet.
OPTIONAL_COLUMNS = {"Obiettivi": frozenset({PREDECESSOR})}

# The drop-down lists of the template, by (sheet, column header). Area and card letters come from the sheets
# Aree and Schede (a range), the others are fixed lists.
CHOICES: dict[tuple[str, str], list[str]] = {
    ("Schede", "Tipo di servizio"): list(SERVICE_KINDS.values()),
    ("Caratteristiche", "Caratteristica"): list(FLAG_LABELS.values()),
    ("Caratteristiche", "Valore"): [YES, NO, NOT_STATED],
    ("Obiettivi", "Tipo"): [k.value for k in ObjectiveKind],
    ("Azioni", "Ritirata"): [YES, NO],
    ("Indicatori", "Tipo"): [b.value for b in Battery],
    ("Indicatori", "Unità"): UNIT_CHOICES,
    ("Indicatori", "Più alto è meglio"): [YES, NO],
    ("Budget", "Fonte"): FUNDING_CHOICES,
    ("Budget", "Pubblico/privato"): list(PUBLIC_LABELS.values()),
    ("Budget", "Circa"): [YES, NO],
    ("Budget", "Da completare"): [YES, NO],
    ("Budget", BUDGET_KIND_HEADER): KIND_CHOICES,
}
# The region's macro-areas (C no longer exists; K: system actions of the Ufficio di Piano): the template's Aree.
REGIONAL_AREAS = (
    ("A", "Contrasto alla povertà e all'emarginazione sociale e promozione dell'inclusione attiva"),
    ("B", "Politiche abitative"),
    ("D", "Domiciliarità"),
    ("E", "Anziani"),
    ("F", "Digitalizzazione dei servizi"),
    ("G", "Politiche giovanili e per minori"),
    ("H", "Interventi connessi alle politiche per il lavoro"),
    ("I", "Interventi per la famiglia"),
    ("J", "Interventi a favore di persone con disabilità"),
    (
        "K",
        "Interventi di sistema per il potenziamento dell'Ufficio di Piano ed il rafforzamento della gestione associata",
    ),
)


def source_label(code: str | None) -> str:
    return SHORT_FUNDING_LABELS[FundingSource(code)] if code else NO_SOURCE
