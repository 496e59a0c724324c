"""E-mail notices on the pages (AppTest): a lead's address and notices on Il mio account, a notice's link opening
its report on Inserimento dati; the office's view of sent and failed notices on Utenti and the reminder days on
Impostazione piano."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from models import config
from models.db import session_scope
from models.tables import NoticeOptOut, NoticeSent, NoticeSettings, Objective, Semester, User
from models.vocab import NoticeKind, NoticeStatus
from tests.apptest_helpers import app_env, logged_in, prepared


@pytest.fixture
def app_db(tmp_path, monkeypatch):
    for name in config.SMTP_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(config, "SECRETS_FILE", tmp_path / "secrets.toml")  # no SMTP settings anywhere
    with app_env(tmp_path / "app.sqlite3") as engine:
        yield prepared(engine)


def _form_button(at, label: str):
    return next(b for b in at.button if b.label == label)


def test_a_lead_sets_address_and_notices_and_a_notice_link_opens_the_report(app_db):
    at = logged_in("refa", "pages/account.py")
    email = next(t for t in at.text_input if t.label == "Indirizzo e-mail")
    email.input("mario.rossi@comune")
    _form_button(at, "Salva indirizzo e avvisi").click().run()
    assert any("non è un indirizzo valido" in e.value for e in at.error)
    with Session(app_db) as s:
        assert s.exec(select(User).where(User.username == "refa")).one().email == ""
    next(t for t in at.text_input if t.label == "Indirizzo e-mail").input("mario.rossi@comune.it")
    kinds = next(m for m in at.multiselect if m.label.startswith("Avvisi da ricevere"))
    assert NoticeKind.RIEPILOGO not in kinds.options  # the office's digest is not offered to a lead
    kinds.unselect(NoticeKind.APPROVAZIONE)
    _form_button(at, "Salva indirizzo e avvisi").click().run()
    assert not at.exception and not at.error
    with Session(app_db) as s:
        lead = s.exec(select(User).where(User.username == "refa")).one()
        assert lead.email == "mario.rossi@comune.it"
        assert [o.kind for o in s.exec(select(NoticeOptOut).where(NoticeOptOut.user_id == lead.id))] != []
        assert (lead.id, NoticeKind.APPROVAZIONE) in {(o.user_id, o.kind) for o in s.exec(select(NoticeOptOut))}
        sem = s.exec(select(Semester)).one().id
        a2 = s.exec(select(Objective).where(Objective.code == "A.2")).one().id
    # the link of a reminder: /inserimento?semestre=..&obiettivo=.. opens that objective, not the first one
    at.query_params["semestre"] = str(sem)
    at.query_params["obiettivo"] = str(a2)
    at.switch_page("pages/inserimento.py").run()
    assert not at.exception, at.exception
    assert any(m.value.startswith("#### A.2") for m in at.markdown)


def test_the_office_sees_sending_status_failed_notices_and_sets_reminder_days(app_db):
    with session_scope(app_db) as s:
        lead = s.exec(select(User).where(User.username == "refa")).one()
        s.add(
            NoticeSent(
                dedupe_key="promemoria:s1:2025-07-31:n7:u2",
                kind=NoticeKind.PROMEMORIA,
                user_id=lead.id,
                address="refa@example.invalid",
                subject="[Piano di Zona] I semestre 2025: scadenza 31/07/2025 (mancano 7 giorni)",
                status=NoticeStatus.NON_INVIATO,
                attempts=3,
                last_error="il server ha risposto 451: Servizio temporaneamente non disponibile",
            )
        )
    at = logged_in("uff", "pages/utenti.py")
    assert not at.exception, at.exception
    assert any(w.value == "Nessuna impostazione SMTP: nessun avviso viene inviato." for w in at.warning)
    assert any("1 non inviati" in e.label for e in at.expander)
    table = next(d.value for d in at.dataframe if "Ultimo errore" in d.value.columns)
    assert "451" in table["Ultimo errore"].iloc[0] and table["Destinatario"].iloc[0] == "refa"
    at.switch_page("pages/impostazione.py")
    at.session_state["imp_tab"] = "Semestri"  # the page draws its open tab only
    at.run()
    days = next(t for t in at.text_input if t.label.startswith("Promemoria"))
    assert days.value == "7, 2"
    days.input("0")
    _form_button(at, "Salva promemoria").click().run()
    assert any("da 1 a 60" in e.value for e in at.error)
    next(t for t in at.text_input if t.label.startswith("Promemoria")).input("10, 3")
    _form_button(at, "Salva promemoria").click().run()
    assert not at.exception and not at.error
    with Session(app_db) as s:
        assert s.exec(select(NoticeSettings)).one().reminder_days == "10, 3"
