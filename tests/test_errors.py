"""The error contract: a DomainError's Italian message is shown; any other exception is logged with its
traceback, the user reads that nothing was saved, and the transaction is rolled back."""

import logging

import pytest
from sqlmodel import Session, select

from components import entry_messages
from models import reports, users
from models.errors import DomainError
from models.permissions import PermissionDenied
from models.reports import ConflictError, ValidationFailed
from models.tables import Report
from models.validation import FieldError
from tests.apptest_helpers import app_env, logged_in, prepared

PAGE = "pages/inserimento.py"


@pytest.fixture
def app_db(tmp_path):
    with app_env(tmp_path / "app.sqlite3") as engine:
        yield prepared(engine)


def test_domain_errors_share_one_base_and_keep_their_old_bases():
    for cls in (ValidationFailed, ConflictError, PermissionDenied, FieldError, users.UserError, users.LoginError):
        assert issubclass(cls, DomainError)
    assert issubclass(FieldError, ValueError) and issubclass(PermissionDenied, PermissionError)
    failed = ValidationFailed([FieldError("Valore", "non è un numero")])
    assert failed.errors[0].field == "Valore"


def _save(at):
    values = [t for t in at.text_input if t.label.startswith("Valore (numero")]
    values[0].input("12")
    next(b for b in at.button if b.label == "Salva bozza").click().run()


def test_a_domain_error_shows_its_italian_message(app_db, monkeypatch):
    at = logged_in("refa", PAGE)

    def refuse(*args, **kwargs):
        raise PermissionDenied("Semestre chiuso: il report non è modificabile.")

    monkeypatch.setattr(entry_messages, "save_report", refuse)
    _save(at)
    assert not at.exception
    assert any("Semestre chiuso: il report non è modificabile" in e.value.replace("\\", "") for e in at.error)


@pytest.mark.parametrize("bug", [ValueError("invalid literal for int()"), KeyError("indicator")])
def test_a_programming_error_in_a_save_is_logged_and_nothing_is_written(app_db, monkeypatch, caplog, bug):
    at = logged_in("refa", PAGE)
    real_save = reports.save_report

    def save_then_fail(*args, **kwargs):
        real_save(*args, **kwargs)  # the rows are written in the transaction... then the bug
        raise bug

    monkeypatch.setattr(entry_messages, "save_report", save_then_fail)
    with caplog.at_level(logging.WARNING):
        _save(at)
    assert not at.exception
    shown = " ".join(e.value for e in at.error)
    assert "errore imprevisto" in shown and "nulla è stato salvato" in shown
    assert "invalid literal" not in shown and "indicator" not in shown  # never shown as if about the input
    failed = [r for r in caplog.records if r.name == "pdz.save" and r.levelno == logging.ERROR]
    assert failed and failed[0].exc_info and failed[0].exc_info[0] is type(bug)  # with the traceback
    assert "refa" in failed[0].getMessage() and "save_then_fail" in failed[0].getMessage()
    with Session(app_db) as s:
        assert s.exec(select(Report)).first() is None  # rolled back
