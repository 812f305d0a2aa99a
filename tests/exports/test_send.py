"""`python -m kpi send` (issue 30) against a real SMTP server on loopback (aiosmtpd, started here): the
messages received and their attachments read back (PDF text, HTML, PowerPoint opened); a provisional
month refused unless allowed; no month sent twice unless resent; one refused recipient does not stop the
others and makes the exit status 1; STARTTLS with a certificate made here, and refused (fail closed) when
the server does not offer it; the password in no output, log, record or message; the configuration's
mistakes named; the 10th working day of a month in England."""

from __future__ import annotations

import datetime as dt
import email
import io
import ipaddress
import logging
import socket
import ssl
from email import policy
from pathlib import Path

import pypdf
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from kpi import __main__ as cli
from kpi.exports import images
from kpi.exports.send.config import ConfigError, parse_config
from kpi.exports.send.records import send_history
from kpi.exports.send.workdays import CalendarError, bank_holidays, is_working_day, nth_working_day
from tests.conftest import add_observations

PASSWORD = "Tr1cky-p@ss:word/%41"
USER = "ahp-dashboard"
needs_browser = pytest.mark.skipif(not images.images_available()[0], reason="no Chromium on this machine")
MONTHS = [
    f"{year}-{month:02d}"
    for year, month in [(2025, m) for m in range(11, 13)] + [(2026, m) for m in range(1, 11)]
]


# --- a real SMTP server on loopback ------------------------------------------------------------------------


class Inbox:
    """aiosmtpd handler: keeps every message; refuses any recipient whose address starts with 'refuse'."""

    def __init__(self) -> None:
        self.received: list[email.message.EmailMessage] = []
        self.envelopes: list[bytes] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("refuse"):
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope.content)
        self.received.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Authenticator:
    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    def __call__(self, server, session, envelope, mechanism, auth_data):
        assert isinstance(auth_data, LoginPassword)
        login, password = auth_data.login.decode(), auth_data.password.decode()
        self.seen.append((login, password))
        return AuthResult(success=(login, password) == (USER, PASSWORD), handled=False)


def self_signed(tmp_path: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 (its own CA) and its key, made with `cryptography`."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kpi-send-test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


@pytest.fixture
def server():
    """A plain SMTP server (a relay on the same host): no STARTTLS, no login."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


@pytest.fixture
def tls_server(tmp_path, monkeypatch):
    """An SMTP server offering STARTTLS (certificate made here, trusted through SSL_CERT_FILE) and
    requiring a login over TLS."""
    cert, key = self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    inbox, auth = Inbox(), Authenticator()
    controller = Controller(
        inbox, hostname="127.0.0.1", port=free_port(), tls_context=context, require_starttls=True,
        authenticator=auth, auth_required=True, auth_require_tls=True,
    )  # fmt: skip
    controller.start()
    yield controller, inbox, auth
    controller.stop()


# --- data and configuration ------------------------------------------------------------------------


@pytest.fixture
def figures(engine):
    """Two trusts' physiotherapists (REM, RBS) for Nov 2025 to Oct 2026, both reporting every month, and
    Nov 2026 from REM only: provisional for the system (1 of 2 expected trusts)."""
    rows = [
        (kpi, trust, "PHYSIO", month, base + i, None, None)
        for i, month in enumerate(MONTHS)
        for kpi, trust, base in (("SIP_FTE", "REM", 120.0), ("SIP_FTE", "RBS", 40.0))
    ]
    add_observations(engine, rows)
    add_observations(engine, [("SIP_FTE", "REM", "PHYSIO", "2026-11", 133.0, None, None)])
    return engine


def config_file(tmp_path: Path, port: int, recipients: list[tuple[str, str, str]], *, starttls: bool) -> Path:
    lines = [
        "[smtp]",
        'host = "127.0.0.1"',
        f"port = {port}",
        f"starttls = {'true' if starttls else 'false'}",
        'from = "ahp-dashboard@example.nhs.uk"',
        "timeout = 20",
        "[dashboard]",
        'url = "https://ahp-dashboard.example.nhs.uk/"',
    ]
    for address, scope, fmt in recipients:
        lines += ["[[recipient]]", f'email = "{address}"', f'scope = "{scope}"', f'format = "{fmt}"']
    path = tmp_path / "send.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def send(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(["send", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def attachment(message) -> tuple[str, str, bytes]:
    (part,) = list(message.iter_attachments())
    return part.get_filename(), part.get_content_type(), part.get_payload(decode=True)


# --- sending and reading back ----------------------------------------------------------------------


def test_html_pack_sent_to_a_relay_and_read_back(figures, server, tmp_path, capsys):
    controller, inbox = server
    config = config_file(tmp_path, controller.port, [("lead@example.nhs.uk", "RBS", "html")], starttls=False)
    code, out, err = send(capsys, "--config", str(config), "--period-end", "2026-10")
    assert code == 0, err
    (message,) = inbox.received
    assert message["Subject"] == "AHP workforce board pack: Alder Hey, Oct 2026"
    assert message["To"] == "lead@example.nhs.uk"
    text = message.get_body(("plain",)).get_content()
    assert "board pack for Alder Hey Children's NHS Foundation Trust (RBS), Oct 2026, is attached" in text
    assert "Dashboard: https://ahp-dashboard.example.nhs.uk/" in text
    assert "SYNTHETIC" not in text
    name, kind, data = attachment(message)
    assert (name, kind) == ("board-pack_RBS_2026-10.html", "text/html")
    assert "Alder Hey" in data.decode("utf-8") and "Oct 2026" in data.decode("utf-8")
    (record,) = send_history(figures).itertuples()
    assert (record.recipient, record.scope, record.fmt, str(record.period)) == (
        "lead@example.nhs.uk", "RBS", "html", "2026-10-01",
    )  # fmt: skip
    assert record.message_id == message["Message-ID"] and record.message_id in out
    assert "1 sent, 0 written (dry run), 0 skipped (already sent), 0 not sent, of 1 recipient(s)." in out


@needs_browser
def test_pdf_and_powerpoint_packs_over_starttls_with_a_login(
    figures, tls_server, tmp_path, capsys, caplog, monkeypatch
):
    from pptx import Presentation

    controller, inbox, auth = tls_server
    monkeypatch.setenv("KPI_SMTP_USER", USER)
    monkeypatch.setenv("KPI_SMTP_PASSWORD", PASSWORD)
    recipients = [("board@example.nhs.uk", "system", "pdf"), ("cmast@example.nhs.uk", "system", "pptx")]
    config = config_file(tmp_path, controller.port, recipients, starttls=True)
    caplog.set_level(logging.DEBUG)
    code, out, err = send(capsys, "--config", str(config), "--period-end", "2026-10")
    assert code == 0, err
    assert auth.seen == [(USER, PASSWORD)]  # one session, logged in once, over TLS
    pdf_message, deck_message = inbox.received
    name, kind, data = attachment(pdf_message)
    assert (name, kind) == ("board-pack_system_2026-10.pdf", "application/pdf")
    (tmp_path / name).write_bytes(data)
    pdf_text = "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)
    assert "Oct 2026" in pdf_text and "C&M" in pdf_text
    name, kind, data = attachment(deck_message)
    assert name == "board-pack_system_2026-10.pptx" and kind.endswith("presentationml.presentation")
    deck = Presentation(io.BytesIO(data))
    words = " ".join(s.text_frame.text for slide in deck.slides for s in slide.shapes if s.has_text_frame)
    assert "Oct 2026" in words
    # The password: in no output, log, record or message.
    history = send_history(figures).to_csv()
    for place in (out, err, caplog.text, history, *(e.decode("utf-8", "replace") for e in inbox.envelopes)):
        assert PASSWORD not in place


def test_a_wrong_password_fails_in_one_line_without_showing_it(
    figures, tls_server, tmp_path, capsys, monkeypatch
):
    controller, inbox, _ = tls_server
    monkeypatch.setenv("KPI_SMTP_USER", USER)
    monkeypatch.setenv("KPI_SMTP_PASSWORD", PASSWORD + "x")
    config = config_file(tmp_path, controller.port, [("a@example.nhs.uk", "RBS", "html")], starttls=True)
    code, out, err = send(capsys, "--config", str(config), "--period-end", "2026-10")
    assert code == 1 and not inbox.received
    assert "failed a@example.nhs.uk (Alder Hey, HTML, Oct 2026): cannot use 127.0.0.1" in err and "535" in err
    assert PASSWORD not in out + err and "Traceback" not in err
    assert send_history(figures).empty


def test_starttls_asked_for_and_not_offered_sends_nothing(figures, server, tmp_path, capsys):
    controller, inbox = server
    config = config_file(tmp_path, controller.port, [("a@example.nhs.uk", "RBS", "html")], starttls=True)
    code, _, err = send(capsys, "--config", str(config), "--period-end", "2026-10")
    assert code == 1 and not inbox.received
    assert "does not offer STARTTLS, so nothing was sent" in err


def test_a_password_is_never_sent_in_clear(figures, server, tmp_path, capsys, monkeypatch):
    controller, inbox = server
    monkeypatch.setenv("KPI_SMTP_USER", USER)
    monkeypatch.setenv("KPI_SMTP_PASSWORD", PASSWORD)
    config = config_file(tmp_path, controller.port, [("a@example.nhs.uk", "RBS", "html")], starttls=False)
    code, out, err = send(capsys, "--config", str(config), "--period-end", "2026-10")
    assert code == 1 and not inbox.received
    assert "would cross the network in clear" in err and PASSWORD not in out + err


# --- provisional months, double sends, failures ------------------------------------------------------


def test_a_provisional_month_is_refused_unless_allowed(figures, server, tmp_path, capsys):
    controller, inbox = server
    recipients = [("board@example.nhs.uk", "system", "html"), ("rem@example.nhs.uk", "REM", "html")]
    config = config_file(tmp_path, controller.port, recipients, starttls=False)
    code, out, err = send(capsys, "--config", str(config))  # the latest month: Nov 2026
    assert code == 1
    assert (
        "not sent board@example.nhs.uk (C&M system, HTML, Nov 2026): Nov 2026 is provisional for C&M system "
        "(AHP staff in post (FTE): 1 of 2 trusts reported); send it with --allow-provisional"
    ) in err
    # A trust's own month is never provisional: REM's pack goes.
    assert [m["To"] for m in inbox.received] == ["rem@example.nhs.uk"]
    code, out, err = send(capsys, "--config", str(config), "--allow-provisional")
    assert code == 0, err
    board = inbox.received[-1]
    assert board["To"] == "board@example.nhs.uk"
    text = board.get_body(("plain",)).get_content()
    assert "Nov 2026 is provisional for some KPIs (sent as asked):" in text
    assert "- AHP staff in post (FTE): 1 of 2 trusts reported" in text
    assert "skipped rem@example.nhs.uk (Alder" not in out and "skipped rem@example.nhs.uk" in out
    records = send_history(figures)
    assert records.set_index("recipient").loc["board@example.nhs.uk", "provisional"]


def test_the_same_month_is_not_sent_twice_unless_resent(figures, server, tmp_path, capsys):
    controller, inbox = server
    config = config_file(tmp_path, controller.port, [("Lead@Example.nhs.uk", "RBS", "html")], starttls=False)
    assert send(capsys, "--config", str(config), "--period-end", "2026-10")[0] == 0
    code, out, _ = send(capsys, "--config", str(config), "--period-end", "2026-10")
    assert code == 0 and len(inbox.received) == 1
    assert "skipped Lead@Example.nhs.uk (Alder Hey, HTML, Oct 2026): already sent on" in out
    assert "use --resend to send it again" in out
    # Another month, or another format, is another pack.
    assert send(capsys, "--config", str(config), "--period-end", "2026-09")[0] == 0
    assert len(inbox.received) == 2
    code, out, _ = send(capsys, "--config", str(config), "--period-end", "2026-10", "--resend")
    assert code == 0 and len(inbox.received) == 3
    assert list(send_history(figures)["resent"]) == [True, False, False]


def test_one_refused_recipient_does_not_stop_the_others(figures, server, tmp_path, capsys):
    controller, inbox = server
    recipients = [
        ("first@example.nhs.uk", "RBS", "html"),
        ("refused@example.nhs.uk", "RBS", "html"),
        ("nowhere@example.nhs.uk", "XYZ", "html"),
        ("last@example.nhs.uk", "REM", "html"),
    ]
    config = config_file(tmp_path, controller.port, recipients, starttls=False)
    code, _, err = send(capsys, "--config", str(config), "--period-end", "2026-10")
    assert code == 1
    assert [m["To"] for m in inbox.received] == ["first@example.nhs.uk", "last@example.nhs.uk"]
    assert (
        "failed refused@example.nhs.uk (Alder Hey, HTML, Oct 2026): the server refused the recipient" in err
    )
    assert "550 5.1.1 No such mailbox here" in err
    assert "failed nowhere@example.nhs.uk (XYZ, HTML, Oct 2026): Unknown scope 'XYZ'" in err
    assert (
        "error: 2 sent, 0 written (dry run), 0 skipped (already sent), 2 not sent, of 4 recipient(s)." in err
    )
    assert sorted(send_history(figures)["recipient"]) == ["first@example.nhs.uk", "last@example.nhs.uk"]


def test_an_unreachable_server_fails_each_recipient_in_one_line(figures, tmp_path, capsys):
    config = config_file(tmp_path, free_port(), [("a@example.nhs.uk", "RBS", "html")], starttls=False)
    code, _, err = send(capsys, "--config", str(config), "--period-end", "2026-10")
    assert code == 1 and "connection refused" in err and "Traceback" not in err


def test_a_dry_run_writes_the_message_and_attachment_and_sends_nothing(figures, tmp_path, capsys):
    out_dir = tmp_path / "outbox"
    out_dir.mkdir()
    config = config_file(tmp_path, free_port(), [("a@example.nhs.uk", "RBS", "html")], starttls=False)
    code, out, err = send(
        capsys, "--config", str(config), "--period-end", "2026-10", "--dry-run", str(out_dir)
    )
    assert code == 0, err
    files = sorted(p.name for p in out_dir.iterdir())
    assert files == ["01_a_example.nhs.uk.eml", "01_a_example.nhs.uk_board-pack_RBS_2026-10.html"]
    message = email.message_from_bytes((out_dir / files[0]).read_bytes(), policy=policy.default)
    assert attachment(message)[2] == (out_dir / files[1]).read_bytes()
    assert send_history(figures).empty  # nothing sent, nothing recorded
    assert "written a@example.nhs.uk (Alder Hey, HTML, Oct 2026)" in out


def test_synthetic_data_is_said_in_the_subject_and_body(engine, server, tmp_path, capsys):
    rows = [("SIP_FTE", "RBS", "PHYSIO", month, 40.0 + i, None, None) for i, month in enumerate(MONTHS)]
    add_observations(engine, rows, synthetic=True)
    controller, inbox = server
    config = config_file(tmp_path, controller.port, [("a@example.nhs.uk", "RBS", "html")], starttls=False)
    assert send(capsys, "--config", str(config), "--period-end", "2026-10")[0] == 0
    (message,) = inbox.received
    assert message["Subject"].endswith("[SYNTHETIC DEMO DATA]")
    assert (
        "SYNTHETIC DEMO DATA: the figures in this pack are synthetic"
        in message.get_body(("plain",)).get_content()
    )


# --- the configuration -----------------------------------------------------------------------------


GOOD = {
    "smtp": {"host": "smtp.example.nhs.uk", "port": 587, "from": "ahp@nhs.net"},
    "recipient": [{"email": "a@nhs.net", "scope": "system", "format": "pdf"}],
}


def with_change(section: str, key: str, value) -> dict:
    raw = {"smtp": dict(GOOD["smtp"]), "recipient": [dict(GOOD["recipient"][0])]}
    table = raw["smtp"] if section == "smtp" else raw["recipient"][0]
    if value is None:
        del table[key]
    else:
        table[key] = value
    return raw


def test_a_good_configuration_defaults_to_starttls():
    config = parse_config(GOOD)
    assert config.smtp.starttls is True and config.recipients[0].fmt == "pdf"


@pytest.mark.parametrize(
    ("section", "key", "value", "words"),
    [
        ("smtp", "host", None, "[smtp] host is required"),
        ("smtp", "port", "587", "[smtp] port must be a whole number from 1 to 65535"),
        ("smtp", "port", 70000, "[smtp] port must be a whole number"),
        ("smtp", "from", "not an address", "[smtp] from must be an e-mail address"),
        ("smtp", "starttls", "yes", "[smtp] starttls must be true or false"),
        ("smtp", "password", "hunter22", "[smtp] password must not be in the file; set KPI_SMTP_USER and"),
        ("smtp", "hots", "x", "[smtp] has an unknown key 'hots'"),
        ("recipient", "email", "board member", "recipient 1: email must be an e-mail address"),
        ("recipient", "scope", None, "recipient 1 (a@nhs.net): scope is required"),
        ("recipient", "format", "docx", "recipient 1 (a@nhs.net): format must be pdf, html or pptx"),
        ("recipient", "fromat", "pdf", "recipient 1 has an unknown key 'fromat'"),
    ],
)
def test_each_mistake_in_the_configuration_is_named(section, key, value, words):
    with pytest.raises(ConfigError) as raised:
        parse_config(with_change(section, key, value), "send.toml")
    assert words in str(raised.value)
    assert "hunter22" not in str(raised.value)


def test_a_bad_configuration_file_exits_2_in_one_line(engine, tmp_path, capsys):
    path = tmp_path / "bad.toml"
    path.write_text(
        '[smtp]\nhost = "x"\nport = 25\nfrom = "a@b.nhs.uk"\npassword = "hunter22"\n', encoding="utf-8"
    )
    code, out, err = send(capsys, "--config", str(path))
    assert code == 2 and len(err.strip().splitlines()) == 1 and "hunter22" not in out + err
    code, _, err = send(capsys, "--config", str(tmp_path / "none.toml"))
    assert code == 2 and "There is no configuration file" in err


# --- the 10th working day --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "month", "tenth"),
    [
        (2026, 1, dt.date(2026, 1, 15)),  # 1 Jan a bank holiday
        (2026, 4, dt.date(2026, 4, 16)),  # Good Friday 3 Apr and Easter Monday 6 Apr
        (2026, 5, dt.date(2026, 5, 15)),  # early May bank holiday 4 May
        (2026, 12, dt.date(2026, 12, 14)),
        (2027, 1, dt.date(2027, 1, 15)),
        (2028, 1, dt.date(2028, 1, 17)),  # 3 Jan 2028: New Year's Day's substitute
    ],
)
def test_the_tenth_working_day_in_england(year, month, tenth):
    assert nth_working_day(year, month, 10) == tenth


def test_working_days_and_the_years_the_list_covers():
    assert not is_working_day(dt.date(2026, 12, 28))  # Boxing Day's substitute
    assert is_working_day(dt.date(2026, 12, 29))
    assert {d.year for d in bank_holidays()} == {2025, 2026, 2027, 2028}
    with pytest.raises(CalendarError, match="no bank holidays for 2029"):
        nth_working_day(2029, 1, 10)


def test_send_on_another_day_than_the_one_asked_does_nothing(capsys, tmp_path):
    from kpi.words.formats import uk_time

    today = uk_time(dt.datetime.now(dt.UTC)).date()
    if today.year not in {d.year for d in bank_holidays()}:
        pytest.skip("the bank-holiday list does not cover this year")
    n = next(n for n in range(1, 21) if nth_working_day(today.year, today.month, n) != today)
    code, out, _ = send(capsys, "--config", str(tmp_path / "none.toml"), "--only-on-working-day", str(n))
    assert code == 0 and "nothing sent" in out and f"is not working day {n} of the month" in out
