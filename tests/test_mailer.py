"""models/mailer.py against a real local SMTP server (aiosmtpd) speaking STARTTLS or TLS from the first byte, with
a login: the certificate is checked (a test certificate made by openssl, trusted only here) and the login goes
over TLS only (the server refuses it in clear)."""

from __future__ import annotations

import functools
import shutil
import ssl
import subprocess

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from models import mailer
from models.mailer import MailError, SmtpSettings, send
from tests.notice_helpers import Mailbox, free_port

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl non installato")

USER, PASSWORD = "pdz", "segreta-smtp-1"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


@pytest.fixture
def trusted(certificate, monkeypatch):
    """The client trusts the test certificate (and nothing else): the check itself stays on."""
    cert, _ = certificate
    monkeypatch.setattr(
        mailer.ssl, "create_default_context", functools.partial(ssl.create_default_context, cafile=cert)
    )
    return certificate


def _authenticator(server, session, envelope, mechanism, auth_data):
    return AuthResult(success=(auth_data.login, auth_data.password) == (USER.encode(), PASSWORD.encode()))


def _server(certificate, *, implicit: bool):
    cert, key = certificate
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    box = Mailbox()
    # aiosmtpd counts only STARTTLS as TLS for auth_require_tls: on a connection that is TLS from the start the
    # login is offered without it
    tls = (
        {"ssl_context": context, "auth_require_tls": False}
        if implicit
        else {"tls_context": context, "require_starttls": True, "auth_require_tls": True}
    )
    controller = Controller(box, hostname="127.0.0.1", port=free_port(), authenticator=_authenticator, **tls)
    controller.start()
    return box, controller


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_login_and_send_over_tls(trusted, security):
    box, controller = _server(trusted, implicit=security == "tls")
    try:
        settings = SmtpSettings("127.0.0.1", controller.port, security, USER, PASSWORD, "pdz@example.invalid")
        send(settings, "refa@example.invalid", "Prova è", "Corpo con accenti: è à ù")
        assert len(box.messages) == 1
        rcpt, message = box.messages[0]
        assert rcpt == ["refa@example.invalid"] and message["Subject"] == "Prova è"
        assert "è à ù" in message.get_content()
    finally:
        controller.stop()


def test_an_untrusted_certificate_is_refused(certificate):
    box, controller = _server(certificate, implicit=False)  # the client does not trust the test certificate
    try:
        settings = SmtpSettings("127.0.0.1", controller.port, "starttls", USER, PASSWORD, "pdz@example.invalid")
        with pytest.raises(MailError, match="CERTIFICATE_VERIFY_FAILED"):
            send(settings, "refa@example.invalid", "x", "x")
        assert box.messages == []
    finally:
        controller.stop()
