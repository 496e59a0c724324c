"""Who may do what. Every write in models/ calls one of these; the UI only mirrors them."""

from __future__ import annotations

from dataclasses import dataclass, field

from models.errors import DomainError
from models.vocab import Role


class PermissionDenied(DomainError, PermissionError):
    """Raised with an Italian message when an actor may not perform a write."""


@dataclass(frozen=True)
class Actor:
    """The logged-in person as the domain sees it (built from the database at every page load)."""

    user_id: int
    username: str
    role: str
    areas: frozenset[str] = field(default_factory=frozenset)
    name: str = ""

    @property
    def is_office(self) -> bool:
        return self.role == Role.UFFICIO_DI_PIANO

    @property
    def is_lead(self) -> bool:
        return self.role == Role.REFERENTE


def can_edit_area(actor: Actor, area_letter: str) -> bool:
    if actor.role == Role.UFFICIO_DI_PIANO:
        return True
    return actor.role == Role.REFERENTE and area_letter in actor.areas


def require_area_write(actor: Actor, area_letter: str) -> None:
    if actor.role == Role.COMITATO:
        raise PermissionDenied("Il Comitato Ristretto ha accesso in sola lettura.")
    if not can_edit_area(actor, area_letter):
        raise PermissionDenied(f"Non autorizzato: l'area {area_letter} non è tra le aree assegnate a {actor.username}.")


def require_report_contents(actor: Actor, area_letter: str) -> None:
    """Reports in every state (drafts, sent back) with their values: the Ufficio di Piano and the area's lead,
    as on Inserimento dati and Revisione; the others see only counted figures (the Cruscotto)."""
    if actor.role == Role.COMITATO:
        raise PermissionDenied("Non autorizzato: il Comitato Ristretto vede solo i dati conteggiati (il Cruscotto).")
    if not can_edit_area(actor, area_letter):
        raise PermissionDenied(f"Non autorizzato: l'area {area_letter} non è tra le aree assegnate a {actor.username}.")


def require_office(actor: Actor, what: str = "questa operazione") -> None:
    if actor.role != Role.UFFICIO_DI_PIANO:
        raise PermissionDenied(f"Non autorizzato: {what} è riservata all'Ufficio di Piano.")


def can_read_reports(actor: Actor | None) -> bool:
    """Semester and annual reports: the Ufficio di Piano and the Comitato Ristretto (None: the command line,
    run by whoever holds the database)."""
    return actor is None or actor.role in (Role.UFFICIO_DI_PIANO, Role.COMITATO)


def require_report_reader(actor: Actor | None) -> None:
    if not can_read_reports(actor):
        raise PermissionDenied(
            "Non autorizzato: i report semestrali e annuali sono riservati all'Ufficio di Piano "
            "e al Comitato Ristretto."
        )


def require_template_areas(actor: Actor, areas: list[str]) -> None:
    """An entry template (or its import) only for areas the actor may write."""
    if not areas:
        raise PermissionDenied("Scegliere almeno una macro-area.")
    for letter in areas:
        require_area_write(actor, letter)


# Pages each role may open (by page key); the entrypoint builds navigation from this.
PAGES_BY_ROLE: dict[str, tuple[str, ...]] = {
    Role.UFFICIO_DI_PIANO: (
        "home",
        "cruscotto",
        "piano",
        "storico",
        "inserimento",
        "revisione",
        "impostazione",
        "report",
        "utenti",
        "account",
    ),
    Role.REFERENTE: ("home", "cruscotto", "piano", "storico", "inserimento", "report", "account"),
    Role.COMITATO: ("home", "cruscotto", "piano", "storico", "report", "account"),
}


def can_open_page(role: str, page_key: str) -> bool:
    return page_key in PAGES_BY_ROLE.get(role, ())
