"""Delivering messages by SMTP (smtplib): STARTTLS unless the configuration says the server is a relay
on the same host, and then only log in over an encrypted connection. Fail closed: a server that does not
offer STARTTLS when it is asked for is refused, nothing is sent in clear. Errors are DeliveryError with
one line saying what failed; the password is never in it (it is redacted even if a server echoed it)."""

from __future__ import annotations

import smtplib
import socket
import ssl
from email.message import EmailMessage

from kpi.exports.send.config import SmtpSettings
from kpi.words.text import redact_secrets


class DeliveryError(Exception):
    """A message could not be delivered (or not safely); the message is one line."""


class Connection:
    """One SMTP session for a run: opened on the first message, reused for the others, closed at the end."""

    def __init__(self, settings: SmtpSettings, context: ssl.SSLContext | None = None) -> None:
        self.settings = settings
        self.context = context or ssl.create_default_context()
        self._client: smtplib.SMTP | None = None

    def _open(self) -> smtplib.SMTP:
        s = self.settings
        try:
            client = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            client.ehlo()
            if s.starttls:
                if not client.has_extn("starttls"):
                    client.quit()
                    raise DeliveryError(
                        f"{s.host}:{s.port} does not offer STARTTLS, so nothing was sent (starttls = true); "
                        "set starttls = false only for a relay on the same host."
                    )
                client.starttls(context=self.context)
                client.ehlo()
            if s.user and s.password:
                if not s.starttls:
                    client.quit()
                    raise DeliveryError(
                        "KPI_SMTP_USER and KPI_SMTP_PASSWORD are set but starttls = false: the password "
                        "would cross the network in clear, so nothing was sent."
                    )
                client.login(s.user, s.password)
        except DeliveryError:
            raise
        except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
            raise DeliveryError(self._said(f"cannot use {s.host}:{s.port}: {_reason(exc)}")) from None
        return client

    def send(self, message: EmailMessage) -> None:
        """Send one message; DeliveryError (one line) when the server refuses it or cannot be reached."""
        if self._client is None:
            self._client = self._open()
        try:
            refused = self._client.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            self._client = self._reset(self._client)
            codes = "; ".join(f"{to}: {code} {_text(text)}" for to, (code, text) in exc.recipients.items())
            raise DeliveryError(self._said(f"the server refused the recipient ({codes})")) from None
        except (smtplib.SMTPException, OSError) as exc:
            self._client = self._reset(self._client)
            raise DeliveryError(
                self._said(f"the server did not accept the message: {_reason(exc)}")
            ) from None
        if refused:
            raise DeliveryError(self._said(f"the server refused {', '.join(refused)}"))

    def _reset(self, client: smtplib.SMTP) -> smtplib.SMTP | None:
        """After a refusal: keep the session if it still answers (RSET), else drop it (reopened next)."""
        try:
            client.rset()
            return client
        except (smtplib.SMTPException, OSError):
            self._close(client)
            return None

    def close(self) -> None:
        if self._client is not None:
            self._close(self._client)
            self._client = None

    @staticmethod
    def _close(client: smtplib.SMTP) -> None:
        try:
            client.quit()
        except (smtplib.SMTPException, OSError):
            client.close()

    def _said(self, text: str) -> str:
        return redact_secrets(text, self.settings.password)


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_text(exc.smtp_error)}".strip()
    if isinstance(exc, socket.timeout | TimeoutError):
        return "no answer (timed out)"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    return str(exc) or type(exc).__name__


__all__ = ["Connection", "DeliveryError"]
