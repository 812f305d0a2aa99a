"""The deployment decision (kpi/access/deployment.py) and verified-claims roles (kpi/access/auth.py), both
sides of every boundary: the app runs without sign-in only on the loopback address with nothing saying
otherwise; anything doubtful refuses, naming the problem but never a secret value."""

from __future__ import annotations

from pathlib import Path

import pytest

from kpi.access.auth import SignInRefused, email_verified, user_from_claims
from kpi.access.deployment import (
    WITHHELD_ENV,
    SecretsFile,
    Visit,
    auth_problem,
    decide,
    host_is_loopback,
    is_loopback,
    proxy_signs,
    read_secrets_file,
    streamlit_cannot_load,
)

SECRET = "s3cr3t-VALUE-never-shown"
AUTH = {
    "redirect_uri": "https://dash.example.nhs.uk/oauth2callback",
    "cookie_secret": SECRET,
    "client_id": "id",
    "client_secret": SECRET,
    "server_metadata_url": "https://login.microsoftonline.com/t/v2.0/.well-known/openid-configuration",
}
AUTH_TOML = "[auth]\n" + "".join(f'{key} = "{value}"\n' for key, value in AUTH.items())
LOOPBACK = "127.0.0.1"
LOCAL = {"KPI_DEPLOYMENT": "local"}  # as `make run` sets it


def secrets_file(tmp_path: Path, text: str, name: str = "secrets.toml") -> SecretsFile:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return read_secrets_file(path)


def no_secrets(tmp_path: Path) -> list[SecretsFile]:
    return [read_secrets_file(tmp_path / "absent" / "secrets.toml")]


# --- reading the secrets file -------------------------------------------------------------------------


def test_a_missing_file_is_absent_not_broken(tmp_path):
    (item,) = no_secrets(tmp_path)
    assert not item.exists and item.error is None and item.content == {}


def test_a_good_file_is_read(tmp_path):
    item = secrets_file(tmp_path, AUTH_TOML)
    assert item.error is None and item.content["auth"]["client_id"] == "id"


def test_a_missing_closing_quote_is_reported_by_line_without_the_value(tmp_path):
    broken = AUTH_TOML.replace(f'client_secret = "{SECRET}"', f'client_secret = "{SECRET}')
    item = secrets_file(tmp_path, broken)
    assert item.exists and item.error and "line 5" in item.error
    assert SECRET not in item.error and "s3cr3t" not in item.error
    mode = decide([item], {}, LOOPBACK)
    assert mode.refused and str(item.path) in mode.reason and SECRET not in mode.reason


@pytest.mark.parametrize(
    "text",
    [
        '[auth\nclient_id = "x"\n',
        'client_id "x"\n',
        "[auth]\nclient_id = x\n",
        '[auth]\nclient_id = """open\n',
    ],
)
def test_every_shape_of_broken_toml_refuses(tmp_path, text):
    mode = decide([secrets_file(tmp_path, text)], {}, LOOPBACK)
    assert mode.refused and "cannot be read" in mode.reason


def test_undecodable_and_unreadable_files_refuse(tmp_path):
    path = tmp_path / "secrets.toml"
    path.write_bytes(b'[auth]\nclient_id = "\xff\xfe"\n')
    assert decide([read_secrets_file(path)], {}, LOOPBACK).refused
    other = tmp_path / "secrets.txt"
    other.write_text("x = 1\n")
    assert decide([read_secrets_file(other)], {}, LOOPBACK).refused  # Streamlit's "invalid path"


def test_a_broken_file_refuses_even_when_another_is_good(tmp_path):
    good = secrets_file(tmp_path, AUTH_TOML, "good.toml")
    bad = secrets_file(tmp_path, 'x = "', "bad.toml")
    assert decide([good, bad], {}, LOOPBACK).refused
    assert decide([good], {}, LOOPBACK).signed_in


def test_streamlit_failing_to_load_an_existing_file_refuses(tmp_path):
    good = secrets_file(tmp_path, AUTH_TOML)
    assert decide([good], {}, LOOPBACK, secrets_error=True).refused
    # no file at all: Streamlit's "no secrets found" is the normal local case
    assert decide(no_secrets(tmp_path), LOCAL, LOOPBACK, secrets_error=True).local


def test_directory_secrets_are_read_as_streamlit_does(tmp_path):
    folder = tmp_path / "secrets"
    (folder / "kpi").mkdir(parents=True)
    (folder / "kpi" / "deployment").write_text("production\n")
    item = read_secrets_file(folder)
    assert item.error is None and item.content == {"kpi": "production"}
    (folder / "stray-file").write_text("x")
    assert read_secrets_file(folder).error


# --- the [auth] section ---------------------------------------------------------------------------------


def test_a_complete_auth_section_signs_in_wherever_the_server_listens():
    for address in (LOOPBACK, "0.0.0.0", None):
        assert decide([], {}, address, secrets={"auth": AUTH}).signed_in


@pytest.mark.parametrize(
    "key", ["redirect_uri", "cookie_secret", "client_id", "client_secret", "server_metadata_url"]
)
def test_each_missing_or_empty_auth_key_refuses_naming_it(key):
    missing = {k: v for k, v in AUTH.items() if k != key}
    mode = decide([], {}, LOOPBACK, secrets={"auth": missing})
    assert mode.refused and key in mode.reason and SECRET not in mode.reason
    empty = {**AUTH, key: "  "}
    assert decide([], {}, LOOPBACK, secrets={"auth": empty}).refused


def test_provider_sub_sections_as_streamlit_allows():
    top = {"redirect_uri": AUTH["redirect_uri"], "cookie_secret": SECRET}
    provider = {k: AUTH[k] for k in ("client_id", "client_secret", "server_metadata_url")}
    assert auth_problem({**top, "microsoft": provider}) is None
    problem = auth_problem({**top, "microsoft": {**provider, "client_secret": ""}})
    assert problem == "[auth.microsoft] is missing client_secret"
    assert "underscore" in auth_problem({**top, "entra_id": provider})
    assert "redirect_uri" in auth_problem({"cookie_secret": SECRET, "microsoft": provider})
    assert auth_problem("oops")


# --- the deployment flag and the server address ---------------------------------------------------------


def test_local_mode_only_on_loopback_with_nothing_saying_otherwise(tmp_path):
    for address in ("127.0.0.1", "localhost", "::1", "[::1]", "127.0.0.2"):
        assert decide(no_secrets(tmp_path), LOCAL, address).local, address
    for address in ("0.0.0.0", "", None, "::", "192.168.1.10", "dash.example.nhs.uk"):
        mode = decide(no_secrets(tmp_path), LOCAL, address)
        assert mode.refused and "listens on" in mode.reason, address


def test_local_mode_must_be_asked_for(tmp_path):
    bare = decide(no_secrets(tmp_path), {}, LOOPBACK)
    assert bare.refused and "make run" in bare.reason and "KPI_DEPLOYMENT=local" in bare.reason
    assert decide(no_secrets(tmp_path), LOCAL, LOOPBACK).local
    assert decide([], {}, LOOPBACK, secrets={"kpi": {"deployment": "local"}}).local
    assert decide([], LOCAL, LOOPBACK, secrets={"auth": AUTH}).signed_in, "sign-in wins over the flag"


# --- local mode decided per request: a browser on this machine, straight to the app -----------------------

DIRECT = Visit(None, {"Host": "127.0.0.1:8501", "Origin": "http://127.0.0.1:8501", "User-Agent": "x"})


@pytest.mark.parametrize(
    "visit, named",
    [
        (Visit(None, {**DIRECT.headers, "X-Forwarded-For": "203.0.113.9"}), "X-Forwarded-For"),
        (Visit(None, {**DIRECT.headers, "x-forwarded-for": "127.0.0.1"}), "X-Forwarded-For"),
        (Visit(None, {**DIRECT.headers, "Forwarded": "for=203.0.113.9"}), "Forwarded"),
        (Visit(None, {**DIRECT.headers, "X-Real-IP": "203.0.113.9"}), "X-Real-IP"),
        (Visit(None, {**DIRECT.headers, "X-Forwarded-Host": "dash.nhs.uk"}), "X-Forwarded-Host"),
        (Visit(None, {**DIRECT.headers, "Via": "1.1 proxy"}), "Via"),
        (Visit(None, {**DIRECT.headers, "Host": "dash.example.nhs.uk"}), "Host"),
        (Visit(None, {**DIRECT.headers, "Origin": "https://dash.example.nhs.uk"}), "Origin"),
        (Visit("203.0.113.9", DIRECT.headers), "client's address"),
    ],
)
def test_a_request_through_a_proxy_or_from_elsewhere_never_gets_local_mode(visit, named):
    assert decide([], LOCAL, LOOPBACK, visit=DIRECT).local, "the other side: straight from this machine"
    mode = decide([], LOCAL, LOOPBACK, visit=visit)
    assert mode.refused and named in mode.reason and "proxy" in mode.reason
    assert "203.0.113.9" not in mode.reason and "dash.example" not in mode.reason, "names, never values"
    assert decide([], LOCAL, LOOPBACK, secrets={"auth": AUTH}, visit=visit).signed_in, "sign-in is fine"


def test_loopback_hosts_and_origins():
    for value in ("127.0.0.1:8501", "localhost", "LOCALHOST:80", "[::1]:8501", "http://localhost:8501",
                  "http://[::1]:8501", "127.0.0.1"):  # fmt: skip
        assert host_is_loopback(value), value
    for value in ("dash.example.nhs.uk", "10.0.0.5:8501", "https://dash.example.nhs.uk", "null", "",
                  "localhost.evil.example", "http://127.0.0.1.evil.example"):  # fmt: skip
        assert not host_is_loopback(value), value
    assert proxy_signs(Visit()) == [], "no request information (AppTest): nothing to say it is a proxy"


# --- every secrets mistake closes the app, and Streamlit's server is not left to fail ---------------------


def test_undecodable_bytes_refuse_and_are_kept_from_streamlit(tmp_path):
    path = tmp_path / "secrets.toml"
    path.write_bytes(AUTH_TOML.replace(SECRET, "caf\xe9").encode("cp1252"))
    item = read_secrets_file(path)
    mode = decide([item], LOCAL, LOOPBACK)
    assert mode.refused and "not UTF-8" in mode.reason and streamlit_cannot_load([item])
    assert not streamlit_cannot_load([secrets_file(tmp_path, AUTH_TOML, "good.toml")]), "the other side"


def test_a_value_where_the_auth_section_belongs_refuses_and_is_kept_from_streamlit(tmp_path):
    item = secrets_file(tmp_path, 'auth = "yes"\n')
    mode = decide([item], LOCAL, LOOPBACK)
    assert mode.refused and "[auth] must be a section" in mode.reason and streamlit_cannot_load([item])
    numeric = secrets_file(tmp_path, AUTH_TOML.replace(f'cookie_secret = "{SECRET}"', "cookie_secret = 42"))
    assert streamlit_cannot_load([numeric]) and "must be text" in decide([numeric], LOCAL, LOOPBACK).reason


@pytest.mark.parametrize("name", ["Auth", "AUTH", "aUTH", "KPI", "Kpi"])
def test_a_section_name_in_the_wrong_case_refuses(tmp_path, name):
    wrong = (
        AUTH_TOML.replace("[auth]", f"[{name}]") if name.lower() == "auth" else f'[{name}]\ntenant_id = "t"\n'
    )
    mode = decide([secrets_file(tmp_path, wrong)], LOCAL, LOOPBACK)
    assert mode.refused and f"[{name}] must be written [{name.lower()}]" in mode.reason
    assert decide([secrets_file(tmp_path, AUTH_TOML)], LOCAL, LOOPBACK).signed_in, "the right case"


@pytest.mark.parametrize(
    "extra, where, key",
    [
        ('client_secrte = "typo"\n', "[auth]", "client_secrte"),
        ('cookie_secrets = "x"\n', "[auth]", "cookie_secrets"),
        ('\n[kpi]\nlead_email = ["lead@nhs.net"]\n', "[kpi]", "lead_email"),
        ('\n[auth.microsoft]\nclient_id = "i"\nclient_secret = "s"\nserver_metadata_url = "u"\nscope = "x"\n',
         "[auth.microsoft]", "scope"),
    ],
)  # fmt: skip
def test_an_unknown_key_next_to_a_valid_section_refuses_naming_it(tmp_path, extra, where, key):
    mode = decide([secrets_file(tmp_path, AUTH_TOML + extra)], LOCAL, LOOPBACK)
    assert mode.refused and where in mode.reason and key in mode.reason and SECRET not in mode.reason
    known = '\n[auth.client_kwargs]\nprompt = "select_account"\n[kpi]\nlead_emails = []\ntenant_id = "t"\n'
    assert decide([secrets_file(tmp_path, AUTH_TOML + known)], LOCAL, LOOPBACK).signed_in, "known keys"


def test_secrets_hidden_from_streamlit_at_start_keep_the_app_closed_until_a_restart(tmp_path):
    hidden = {**LOCAL, WITHHELD_ENV: str(tmp_path / "secrets.toml")}
    still_broken = decide([secrets_file(tmp_path, 'auth = "yes"\n')], hidden, LOOPBACK, secrets_error=True)
    assert still_broken.refused and "[auth] must be a section" in still_broken.reason
    fixed = decide([secrets_file(tmp_path, AUTH_TOML)], hidden, LOOPBACK, secrets_error=True)
    assert fixed.refused and "restart" in fixed.reason
    assert decide([secrets_file(tmp_path, AUTH_TOML)], LOCAL, LOOPBACK).signed_in


def test_is_loopback():
    assert is_loopback("127.0.0.1") and is_loopback(" localhost ")
    assert not is_loopback("0.0.0.0") and not is_loopback("10.0.0.1") and not is_loopback(None)


def test_a_production_flag_without_sign_in_refuses():
    assert decide([], {"KPI_DEPLOYMENT": "production"}, LOOPBACK).refused
    assert decide([], {}, LOOPBACK, secrets={"kpi": {"deployment": "production"}}).refused
    assert decide([], {"KPI_DEPLOYMENT": "production"}, LOOPBACK, secrets={"auth": AUTH}).signed_in
    assert decide([], {"KPI_DEPLOYMENT": "local"}, LOOPBACK).local
    assert decide([], {"KPI_DEPLOYMENT": ""}, LOOPBACK).refused, "no flag: not local either"


def test_an_explicit_local_flag_does_not_open_a_public_address():
    assert decide([], {"KPI_DEPLOYMENT": "local"}, "0.0.0.0").refused


def test_an_unknown_deployment_flag_refuses():
    mode = decide([], {"KPI_DEPLOYMENT": "prod"}, LOOPBACK)
    assert mode.refused and "KPI_DEPLOYMENT" in mode.reason
    assert decide([], {}, LOOPBACK, secrets={"kpi": {"deployment": "live"}}).refused


# --- roles from verified claims --------------------------------------------------------------------------

LEADS = ["lead@nhs.net"]
TENANT = "6f9c2d1e-0000-4000-8000-000000000001"


def test_an_allow_listed_email_is_lead_unless_the_provider_says_unverified():
    claims = {"email": "Lead@NHS.net", "name": "Workforce Lead"}
    assert user_from_claims(claims, LEADS).role == "lead"  # Entra ID sends no email_verified
    assert user_from_claims({**claims, "email_verified": True}, LEADS).role == "lead"
    assert user_from_claims({**claims, "email_verified": "true"}, LEADS).role == "lead"
    for unverified in (False, "false", None, 0, "yes"):
        assert user_from_claims({**claims, "email_verified": unverified}, LEADS).role == "board", unverified
    assert user_from_claims({"email": "member@nhs.net"}, LEADS).role == "board"
    assert user_from_claims({}, LEADS).role == "board"


def test_email_verified():
    assert email_verified({}) and email_verified({"email_verified": True})
    assert not email_verified({"email_verified": False})


def test_a_configured_tenant_admits_only_its_own_accounts():
    claims = {"email": "lead@nhs.net", "tid": TENANT}
    assert user_from_claims(claims, LEADS, TENANT).role == "lead"
    assert user_from_claims({**claims, "tid": TENANT.upper()}, LEADS, TENANT).role == "lead"
    with pytest.raises(SignInRefused, match="another organisation"):
        user_from_claims({**claims, "tid": "00000000-0000-0000-0000-000000000000"}, LEADS, TENANT)
    with pytest.raises(SignInRefused):
        user_from_claims({"email": "lead@nhs.net"}, LEADS, TENANT)  # no tid claim at all
    # without a configured tenant the tid claim is not checked
    assert user_from_claims({**claims, "tid": "other"}, LEADS, None).role == "lead"
