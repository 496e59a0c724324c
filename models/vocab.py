"""The domain's controlled vocabularies: one code, one Italian label each.

Codes are stored in the database; labels are what every page, chart and export shows.
"""

from __future__ import annotations

from enum import StrEnum


class Battery(StrEnum):
    PROCESSO = "processo"
    OUTPUT = "output"
    OUTCOME = "outcome"


BATTERY_ORDER: tuple[Battery, ...] = tuple(Battery)  # the card's order: X.23 process, X.24 output, X.25 outcome
BATTERY_TITLES = {
    Battery.PROCESSO: "Indicatori di processo",
    Battery.OUTPUT: "Indicatori di output",
    Battery.OUTCOME: "Indicatori di outcome",
}


def battery_rank(battery: str) -> int:
    """Sort key: indicators are always listed process, output, outcome."""
    return BATTERY_ORDER.index(Battery(battery))


class Unit(StrEnum):
    NUMERO = "numero"
    PERCENTUALE = "percentuale"
    SI_NO = "si_no"
    TESTO = "testo"


UNIT_LABELS = {
    Unit.NUMERO: "numero",
    Unit.PERCENTUALE: "percentuale (0-100)",
    Unit.SI_NO: "sì/no",
    Unit.TESTO: "testo libero",
}


class ObjectiveKind(StrEnum):
    GENERALE = "generale"
    SPECIFICO = "specifico"


class ActionState(StrEnum):
    NON_AVVIATA = "non avviata"
    IN_CORSO = "in corso"
    REALIZZATA = "realizzata"


class ReportState(StrEnum):
    BOZZA = "bozza"
    INVIATA = "inviata"
    APPROVATA = "approvata"
    DA_RIVEDERE = "da rivedere"


class CommentKind(StrEnum):
    """A message of a report's review conversation."""

    COMMENTO = "commento"
    INVIO = "invio"
    RINVIO = "rinvio"
    APPROVAZIONE = "approvazione"


COMMENT_KIND_LABELS = {
    CommentKind.COMMENTO: "Commento",
    CommentKind.INVIO: "Inviato all'Ufficio di Piano",
    CommentKind.RINVIO: "Rimandato al referente",
    CommentKind.APPROVAZIONE: "Approvato",
}


NO_REPORT = "nessun dato"  # the state shown for an objective with no report in the semester
NO_SPEND_DATA = NO_REPORT  # no spend line at all (an empty line is not stored): not the same as zero spent

# A number of reports in each state, as counts read ("3 approvati, 1 in bozza, 2 senza report").
REPORT_STATE_COUNT_LABELS = {
    ReportState.APPROVATA: "approvati",
    ReportState.INVIATA: "inviati (da approvare)",
    ReportState.BOZZA: "in bozza",
    ReportState.DA_RIVEDERE: "da rivedere",
    NO_REPORT: "senza report",
}


def report_state_label(state: str | None) -> str:
    """A report's state as every screen and file shows it; None (no report) is NO_REPORT."""
    return NO_REPORT if state is None else str(state)


# The grid's yes/no answers, written SI / NO as in the regional Tabella Esiti (form, template, reports).
YES, NO = "SI", "NO"
YES_NO_LABELS = {True: YES, False: NO}


def yes_no_label(value: bool | None) -> str | None:
    return None if value is None else YES_NO_LABELS[bool(value)]


class SemesterState(StrEnum):
    APERTO = "aperto"
    CHIUSO = "chiuso"


class PlanState(StrEnum):
    IN_CORSO = "in_corso"
    CHIUSO = "chiuso"


PLAN_STATE_LABELS = {PlanState.IN_CORSO: "in corso", PlanState.CHIUSO: "chiuso"}


class Role(StrEnum):
    UFFICIO_DI_PIANO = "ufficio_di_piano"
    REFERENTE = "referente"
    COMITATO = "comitato"


# Roles are stored as plain strings: looked up by str (a Role is one)
ROLE_LABELS: dict[str, str] = {
    Role.UFFICIO_DI_PIANO: "Ufficio di Piano",
    Role.REFERENTE: "Referente di Gruppo di Lavoro",
    Role.COMITATO: "Comitato Ristretto",
}


class ResourceAdequacy(StrEnum):
    """The grid's five-level scale for human and material resources (DOMAIN.md)."""

    GRAVEMENTE_INADEGUATO = "gravemente_inadeguato"
    INADEGUATO = "inadeguato"
    SUFFICIENTEMENTE_ADEGUATO = "sufficientemente_adeguato"
    ADEGUATO = "adeguato"
    PERFETTAMENTE_ADEGUATO = "perfettamente_adeguato"


ADEGUACY_LABELS: dict[str, str] = {
    ResourceAdequacy.GRAVEMENTE_INADEGUATO: "Gravemente inadeguato",
    ResourceAdequacy.INADEGUATO: "Inadeguato",
    ResourceAdequacy.SUFFICIENTEMENTE_ADEGUATO: "Sufficientemente adeguato",
    ResourceAdequacy.ADEGUATO: "Adeguato",
    ResourceAdequacy.PERFETTAMENTE_ADEGUATO: "Perfettamente adeguato",
}


class FundingSource(StrEnum):
    FNPS = "FNPS"
    FSR = "FSR"
    FONDO_POVERTA = "FONDO_POVERTA"
    FNA = "FNA"
    PNRR = "PNRR"
    COMUNALE = "COMUNALE"
    DOPO_DI_NOI = "DOPO_DI_NOI"
    ETEROFINANZIATO = "ETEROFINANZIATO"
    ALTRO = "ALTRO"


FUNDING_LABELS = {
    FundingSource.FNPS: "FNPS - Fondo Nazionale Politiche Sociali",
    FundingSource.FSR: "FSR - Fondo Sociale Regionale",
    FundingSource.FONDO_POVERTA: "Fondo Povertà",
    FundingSource.FNA: "FNA - Fondo Non Autosufficienza",
    FundingSource.PNRR: "PNRR",
    FundingSource.COMUNALE: "Fondi comunali (Fondo di Solidarietà)",
    FundingSource.DOPO_DI_NOI: "Dopo di Noi",
    FundingSource.ETEROFINANZIATO: "Progetti eterofinanziati",
    FundingSource.ALTRO: "Altre fonti / non specificata",
}

SHORT_FUNDING_LABELS = {
    FundingSource.FNPS: "FNPS",
    FundingSource.FSR: "FSR",
    FundingSource.FONDO_POVERTA: "Fondo Povertà",
    FundingSource.FNA: "FNA",
    FundingSource.PNRR: "PNRR",
    FundingSource.COMUNALE: "Comunale",
    FundingSource.DOPO_DI_NOI: "Dopo di Noi",
    FundingSource.ETEROFINANZIATO: "Eterofinanziati",
    FundingSource.ALTRO: "Altro",
}


def funding_label(code: str | None) -> str:
    if code is None:
        return SHORT_FUNDING_LABELS[FundingSource.ALTRO]
    return SHORT_FUNDING_LABELS.get(FundingSource(code), code)


# One way to write a semester: "I semestre 2026"; where room is short (chart axes) "I sem. 2026". Never "1° sem.".
SEMESTER_HALF_LABELS = {1: "I semestre", 2: "II semestre"}
SEMESTER_HALF_SHORT = {1: "I sem.", 2: "II sem."}


def semester_label(year: int, half: int) -> str:
    return f"{SEMESTER_HALF_LABELS[half]} {year}"


def semester_short_label(year: int, half: int) -> str:
    return f"{SEMESTER_HALF_SHORT[half]} {year}"


# Page titles: the menu entry and the page's own title are the same words.
PAGE_TITLES = {
    "home": "Panoramica",
    "cruscotto": "Cruscotto",
    "inserimento": "Inserimento dati",
    "revisione": "Revisione semestrale",
    "piano": "Il Piano",
    "storico": "Piano 2021-2023",
    "report": "Report ed Excel",
    "impostazione": "Impostazione piano",
    "utenti": "Utenti",
    "account": "Il mio account",
    "cambio_password": "Cambio password",
}

# Each page's address (after the app's base URL): the menu's routes and the links of the e-mail notices.
PAGE_URLS = {
    "home": "panoramica",
    "cruscotto": "cruscotto",
    "inserimento": "inserimento",
    "revisione": "revisione",
    "piano": "piano",
    "storico": "piano-2021-2023",
    "report": "report",
    "impostazione": "impostazione",
    "utenti": "utenti",
    "account": "account",
}


class NoticeKind(StrEnum):
    """An e-mail notice (models/notices.py); a user may turn each kind off on *Il mio account*."""

    SEMESTRE_APERTO = "semestre_aperto"
    PROMEMORIA = "promemoria"
    SCADENZA_SUPERATA = "scadenza_superata"
    RINVIO = "rinvio"
    APPROVAZIONE = "approvazione"
    RIEPILOGO = "riepilogo"


NOTICE_KIND_LABELS = {
    NoticeKind.SEMESTRE_APERTO: "Semestre aperto",
    NoticeKind.PROMEMORIA: "Promemoria prima della scadenza",
    NoticeKind.SCADENZA_SUPERATA: "Scadenza superata",
    NoticeKind.RINVIO: "Report rimandato",
    NoticeKind.APPROVAZIONE: "Report approvato",
    NoticeKind.RIEPILOGO: "Riepilogo settimanale della revisione",
}


class NoticeStatus(StrEnum):
    DA_INVIARE = "da inviare"
    INVIATO = "inviato"
    NON_INVIATO = "non inviato"  # the mail server refused or did not answer: retried on the next run


def plural(n: int, singular: str, many: str) -> str:
    """'1 obiettivo', '0 obiettivi', '1.463 report': the count, grouped the Italian way as every figure of the
    app (models.formatting), with the noun that agrees with it."""
    return f"{n:,}".replace(",", ".") + f" {singular if n == 1 else many}"


def count_of(n: int, total: int, singular: str, many: str) -> str:
    """'1 obiettivo su 2', '3 obiettivi su 5': Italian agrees with the first number."""
    return f"{plural(n, singular, many)} su {total}"


# Placeholders of empty choice lists (Streamlit's default is English); also used by the page script that
# translates the lists Streamlit does not let us configure (components/layout.py).
CHOOSE_ONE = "Scegliere un'opzione"
CHOOSE_MANY = "Scegliere una o più opzioni"
