"""Sending one e-mail through the configured SMTP server (Python's smtplib: no extra dependency).

Security `none` (plain, e.g. a relay on the same machine), `starttls` (plain connection upgraded to TLS, port 587)
or `tls` (TLS from the first byte, port 465). The certificate is always checked. A server that refuses or does
not answer raises MailError with the reason; the caller records it and retries on the next run.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from models import config
from models.config import ConfigError
from models.errors import DomainError
from models.users import UserError, clean_email

SECURITY_PORTS = {"none": 25, "starttls": 587, "tls": 465}
TIMEOUT_S = 20  # a server that does not answer costs this much, then the notice is retried on the next run


class MailError(DomainError, RuntimeError):
    """The server refused the message or could not be reached (the message says why)."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str
    user: str
    password: str
    sender: str

    def __repr__(self) -> str:  # never the password
        return f"SmtpSettings({self.security}://{self.user + '@' if self.user else ''}{self.host}:{self.port})"


def smtp_settings(path: Path | None = None) -> SmtpSettings | None:
    """The configured server, None when PDZ_SMTP_HOST is empty (nothing is sent); ConfigError when wrong."""
    values = config.smtp_values(path or config.SECRETS_FILE)
    host = values["PDZ_SMTP_HOST"]
    if not host:
        return None
    security = values["PDZ_SMTP_SECURITY"].lower()
    if security not in SECURITY_PORTS:
        raise ConfigError(f"PDZ_SMTP_SECURITY: valore {security!r} non ammesso (ammessi: none, starttls, tls).")
    port_text = values["PDZ_SMTP_PORT"]
    if port_text and not (port_text.isdigit() and 0 < int(port_text) < 65536):
        raise ConfigError(f"PDZ_SMTP_PORT: {port_text!r} non è una porta (da 1 a 65535).")
    try:
        sender = clean_email(values["PDZ_SMTP_FROM"])
    except UserError as exc:
        raise ConfigError(f"PDZ_SMTP_FROM: {exc}") from None
    if not sender:
        raise ConfigError("PDZ_SMTP_FROM: indicare il mittente degli avvisi (es. ufficio.piano@comune.it).")
    return SmtpSettings(
        host=host,
        port=int(port_text) if port_text else SECURITY_PORTS[security],
        security=security,
        user=values["PDZ_SMTP_USER"],
        password=values["PDZ_SMTP_PASSWORD"],
        sender=sender,
    )


# Lines up to RFC 5322's hard limit: at 78 the email package folds a subject starting with "[" before its first
# word, and a reader's client then shows it with a leading space.
_POLICY = policy.SMTP.clone(max_line_length=998)


def build_message(settings: SmtpSettings, to: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage(policy=_POLICY)
    message["From"] = settings.sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=settings.sender.rsplit("@", 1)[1])
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies
    message.set_content(body)
    return message


def send(settings: SmtpSettings, to: str, subject: str, body: str) -> None:
    """Deliver one message to the server; MailError when it is not accepted."""
    message = build_message(settings, to, subject, body)
    context = ssl.create_default_context()
    try:
        client: smtplib.SMTP
        if settings.security == "tls":
            client = smtplib.SMTP_SSL(settings.host, settings.port, timeout=TIMEOUT_S, context=context)
        else:
            client = smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT_S)
        with client:
            if settings.security == "starttls":
                client.starttls(context=context)
            if settings.user:
                client.login(settings.user, settings.password)
            refused = client.send_message(message)
    except smtplib.SMTPResponseException as exc:
        raise MailError(f"il server ha risposto {exc.smtp_code}: {_text(exc.smtp_error)}") from None
    except smtplib.SMTPRecipientsRefused as exc:
        codes = "; ".join(f"{code} {_text(reason)}" for code, reason in exc.recipients.values())
        raise MailError(f"destinatario rifiutato dal server: {codes}") from None
    except (smtplib.SMTPException, OSError) as exc:
        raise MailError(f"server {settings.host}:{settings.port} non raggiungibile o errore: {exc}") from None
    if refused:
        raise MailError(f"destinatario rifiutato dal server: {refused}")


def _text(reason: bytes | str) -> str:
    return reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)
