"""How the app is deployed, decided at the top of every run and failing closed. Pure: no streamlit.

Three outcomes:

- **local**: no sign-in; the person at the keyboard may act as the workforce lead and a fresh database
  gets the demo data. Only when all of these hold: local mode is asked for (KPI_DEPLOYMENT=local, which
  `make run` sets, or `[kpi] deployment = "local"`); there is no `[auth]` section; the server listens on
  the loopback address alone (127.0.0.1, as the project's .streamlit/config.toml sets); and the request
  the session came in on shows no proxy (`proxy_signs`: no X-Forwarded-For, Forwarded, X-Real-IP, Via
  or kin, a Host and an Origin that name this machine, a client on this machine). So a browser on this
  machine talking to the app directly, and nobody else.
- **signed-in**: a complete `[auth]` section (OpenID Connect) in the secrets; everyone signs in.
- **refuse**: anything else. A secrets file that exists but cannot be read, or that Streamlit's server
  could not load (`streamlit_cannot_load`: serve.py then hides it from Streamlit, which would otherwise
  answer HTTP 500 on every URL, and the app refuses); a section name in the wrong case (`[Auth]`) or a
  key the app does not know in `[auth]` or `[kpi]`; an `[auth]` section missing keys; a production flag
  without sign-in; no flag and no sign-in; a server listening beyond this machine without sign-in; a
  request through a proxy without sign-in. The app then shows only "Sign-in is misconfigured: <reason>".
  A reason names files, keys, headers and line numbers, never a value.
"""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

Kind = Literal["local", "signed-in", "refuse"]
DEPLOYMENT_ENV = "KPI_DEPLOYMENT"
DEPLOYMENTS = ("local", "production")
AUTH_KEYS = ("redirect_uri", "cookie_secret")  # in [auth] itself
PROVIDER_KEYS = ("client_id", "client_secret", "server_metadata_url")  # in [auth] or each [auth.<name>]
PROVIDER_OPTIONS = ("client_kwargs", "expose_tokens")  # optional, as Streamlit documents them
SECTION_KEYS = {  # every key the app or Streamlit reads in each section; any other is a mistake
    "auth": {*AUTH_KEYS, *PROVIDER_KEYS, *PROVIDER_OPTIONS},
    "kpi": {"deployment", "lead_emails", "tenant_id"},
}
LOOPBACK_NAMES = {"localhost"}
# serve.py sets this (os.pathsep-separated paths) when it hid the secrets files from Streamlit's server
WITHHELD_ENV = "KPI_SECRETS_WITHHELD"
# Headers a proxy adds (any header starting X-Forwarded- or X-Original- too); any of them means the
# request did not come straight from a browser on this machine.
PROXY_HEADERS = (
    "forwarded",
    "x-real-ip",
    "via",
    "true-client-ip",
    "cf-connecting-ip",
    "x-client-ip",
    "x-cluster-client-ip",
    "fastly-client-ip",
)


@dataclass(frozen=True)
class Mode:
    kind: Kind
    reason: str = ""  # why the app refuses; safe to show (no secret values)

    @property
    def local(self) -> bool:
        return self.kind == "local"

    @property
    def signed_in(self) -> bool:
        return self.kind == "signed-in"

    @property
    def refused(self) -> bool:
        return self.kind == "refuse"


@dataclass(frozen=True)
class SecretsFile:
    """One secrets location as read from disk: absent, readable (with its content) or broken."""

    path: str
    exists: bool
    content: Mapping[str, Any] = field(default_factory=dict)
    error: str | None = None  # what is wrong, without any value from the file
    # Streamlit's own secrets loader raises on it too (not UTF-8, unreadable), rather than ignoring it as
    # it does a TOML syntax error: its server would answer HTTP 500 on every URL.
    fatal: bool = False


@dataclass(frozen=True)
class Visit:
    """The request a session came in on, as Streamlit tells it: the client's address (None for this
    machine: `st.context.ip_address`) and the request's headers (names in any case)."""

    client: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


def _toml_problem(exc: tomllib.TOMLDecodeError) -> str:
    """'not valid TOML at line 3, column 21 (unterminated string?)' without quoting the file."""
    message = str(exc)
    where = re.search(r"\(at (line \d+, column \d+|end of document)\)", message)
    what = re.sub(r"\s*\(at [^)]*\)\s*$", "", message)
    if what.lower().startswith("illegal character"):  # it quotes the character: maybe part of a secret
        what = "an illegal character: often a missing closing quote"
    return f"it is not valid TOML at {where.group(1) if where else 'some point'} ({what.lower()})"


def read_secrets_file(path: str | os.PathLike[str]) -> SecretsFile:
    """Read one secrets location the way Streamlit does (a .toml file, or a directory of folders),
    but report a problem instead of raising."""
    path = os.fspath(path)
    if not os.path.exists(path):
        return SecretsFile(path, exists=False)
    try:
        if os.path.isdir(path):
            return SecretsFile(path, exists=True, content=_read_directory(path))
        if not path.endswith(".toml"):
            return SecretsFile(path, exists=True, error="it is neither a .toml file nor a folder")
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        return SecretsFile(path, exists=True, content=tomllib.loads(text))
    except tomllib.TOMLDecodeError as exc:
        return SecretsFile(path, exists=True, error=_toml_problem(exc))
    except UnicodeDecodeError:
        return SecretsFile(path, exists=True, fatal=True, error="it is not UTF-8 text (save it as UTF-8)")
    except PermissionError:
        return SecretsFile(path, exists=True, fatal=True, error="the app is not allowed to read it")
    except (OSError, ValueError) as exc:
        return SecretsFile(path, exists=True, fatal=True, error=f"it cannot be opened ({type(exc).__name__})")


def _read_directory(path: str) -> dict[str, Any]:
    """Kubernetes-style secrets: every entry a folder of files (Streamlit's rule)."""
    secrets: dict[str, Any] = {}
    for name in os.listdir(path):
        folder = os.path.join(path, name)
        if not os.path.isdir(folder):
            raise ValueError(f"{name} is not a folder")
        files = {}
        for filename in os.listdir(folder):
            file_path = os.path.join(folder, filename)
            if not os.path.isdir(file_path):
                with open(file_path, encoding="utf-8") as handle:
                    files[filename] = handle.read().strip()
        secrets[name] = next(iter(files.values())) if len(files) == 1 else files
    return secrets


def read_secrets(paths: Iterable[str | os.PathLike[str]]) -> list[SecretsFile]:
    return [read_secrets_file(path) for path in paths]


def merged(files: Iterable[SecretsFile]) -> dict[str, Any]:
    """The secrets as Streamlit merges them: later files win, top-level key by key."""
    content: dict[str, Any] = {}
    for item in files:
        content.update(item.content)
    return content


def is_loopback(address: str | None) -> bool:
    """True only for an address that this machine alone can reach. Empty means all interfaces."""
    address = (address or "").strip().strip("[]")
    if not address:
        return False
    if address.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


def host_is_loopback(value: str | None) -> bool:
    """True for a Host header ("127.0.0.1:8501", "localhost", "[::1]:8501") or an Origin
    ("http://localhost:8501") naming this machine by a loopback address or "localhost"."""
    text = (value or "").strip()
    if "://" in text:
        try:
            text = urlsplit(text).hostname or ""
        except ValueError:
            return False
    elif text.startswith("["):
        text = text[1 : text.find("]")] if "]" in text else ""
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    return is_loopback(text)


def proxy_signs(visit: Visit) -> list[str]:
    """What about a request says it did not come straight from a browser on this machine: a client
    address elsewhere, a header a proxy adds, a Host or Origin naming another machine. Names only."""
    headers = {name.lower(): value for name, value in visit.headers.items()}
    signs = (
        ["the client's address is not this machine's"]
        if visit.client and not is_loopback(visit.client)
        else []
    )
    signs += [
        f"the {_header_name(name)} header"
        for name in headers
        if name in PROXY_HEADERS or name.startswith(("x-forwarded-", "x-original-"))
    ]
    if "host" in headers and not host_is_loopback(headers["host"]):
        signs.append("the Host header naming another machine")
    if "origin" in headers and not host_is_loopback(headers["origin"]):
        signs.append("the Origin header naming another machine")
    return signs


def _header_name(name: str) -> str:
    return "-".join(part.capitalize() if part not in ("ip",) else "IP" for part in name.split("-"))


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def auth_problem(auth: Any) -> str | None:
    """What is wrong with an [auth] section, as Streamlit's st.login would find it, or None.
    Keys present but empty count as missing; a key neither Streamlit nor the app reads is refused (a
    typo would otherwise be silently ignored). Names keys only, never values."""
    if not isinstance(auth, Mapping):
        return "[auth] must be a section (a table of keys), not a single value"
    unknown = [
        key
        for key, value in auth.items()
        if key not in SECTION_KEYS["auth"] and not isinstance(value, Mapping)
    ]
    if unknown:
        return f"[auth] has {_unknown(unknown, SECTION_KEYS['auth'])}"
    missing = [key for key in AUTH_KEYS if _blank(auth.get(key))]
    if missing:
        return f"[auth] is missing {_keys(missing)}"
    if wrong := [
        key for key in (*AUTH_KEYS, *PROVIDER_KEYS) if key in auth and not isinstance(auth[key], str)
    ]:
        return f"in [auth], {_keys(wrong)} must be text in quotes"
    named = providers(auth)
    if not named:
        missing = [key for key in PROVIDER_KEYS if _blank(auth.get(key))]
        if missing:
            return f"[auth] is missing {_keys(missing)}"
        return None
    for name in named:
        section = auth[name]
        if "_" in name:
            return f"the provider name [auth.{name}] contains an underscore, which Streamlit does not allow"
        known = {*PROVIDER_KEYS, *PROVIDER_OPTIONS}
        if unknown := [key for key in section if key not in known]:
            return f"[auth.{name}] has {_unknown(unknown, known)}"
        missing = [key for key in PROVIDER_KEYS if _blank(section.get(key))]
        if missing:
            return f"[auth.{name}] is missing {_keys(missing)}"
        if wrong := [key for key in PROVIDER_KEYS if not isinstance(section[key], str)]:
            return f"in [auth.{name}], {_keys(wrong)} must be text in quotes"
    return None


def _unknown(keys: list[str], known: set[str]) -> str:
    """'a key the app does not know, client_secrte (known: client_id, ...)' without any value."""
    noun = "a key" if len(keys) == 1 else "keys"
    return (
        f"{noun} the app does not know, {_keys(sorted(keys))} (the keys it reads: {', '.join(sorted(known))})"
    )


def sections_problem(secrets: Mapping[str, Any]) -> str | None:
    """A section of ours named in the wrong case ([Auth], [AUTH], [KPI]: TOML names are case-sensitive,
    so Streamlit would see no [auth] and the app would open without sign-in), or [kpi] not a section or
    holding a key the app does not read. None when the shape is right."""
    for name in secrets:
        for ours in SECTION_KEYS:
            if name != ours and name.strip().lower() == ours:
                return f"the section [{name}] must be written [{ours}], in lower case"
    kpi = secrets.get("kpi", {})
    if not isinstance(kpi, Mapping):
        return "[kpi] must be a section (a table of keys), not a single value"
    if unknown := [key for key in kpi if key not in SECTION_KEYS["kpi"]]:
        return f"[kpi] has {_unknown(unknown, SECTION_KEYS['kpi'])}"
    return None


def streamlit_cannot_load(files: Iterable[SecretsFile]) -> bool:
    """True when Streamlit's own server would fail on these secrets (answering HTTP 500 on every URL,
    /_stcore/health included, before the app can say anything): a file it cannot decode or open, or an
    `auth` that is not a section (it reads [auth] cookie_secret while building the server). serve.py then
    hides the files from Streamlit and the app, which still reads them, shows the closed page."""
    files = list(files)
    if any(item.fatal for item in files):
        return True
    auth = merged(files).get("auth")
    if auth is None:
        return False
    return not isinstance(auth, Mapping) or not isinstance(auth.get("cookie_secret", ""), str)


def _keys(keys: list[str]) -> str:
    quoted = list(keys)
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def providers(auth: Mapping[str, Any]) -> list[str]:
    """The named sign-in providers ([auth.<name>] sections); empty for the default provider.
    [auth.client_kwargs] is an option of the default provider, not a provider."""
    return [
        name
        for name, section in auth.items()
        if isinstance(section, Mapping) and name not in PROVIDER_OPTIONS
    ]


def decide(
    files: Iterable[SecretsFile],
    env: Mapping[str, str],
    server_address: str | None,
    secrets: Mapping[str, Any] | None = None,
    secrets_error: bool = False,
    visit: Visit | None = None,
) -> Mode:
    """The deployment mode for one request.

    files: every secrets location as read from disk (read_secrets); secrets: the secrets the app
    actually sees (st.secrets), merged from the files when not given; secrets_error: Streamlit itself
    failed to load the secrets; env: the environment (KPI_DEPLOYMENT, and WITHHELD_ENV from serve.py);
    server_address: Streamlit's server.address (empty = all interfaces); visit: the request the session
    came in on (None: no request, as in Streamlit's AppTest).
    """
    files = list(files)
    for item in files:
        if item.error:
            return Mode("refuse", f"the secrets file {item.path} cannot be read: {item.error}.")
    withheld = bool(env.get(WITHHELD_ENV))  # Streamlit was given no secrets: the files are what count
    if secrets_error and any(item.exists for item in files) and not withheld:
        return Mode("refuse", "Streamlit could not load the secrets file (see the server log).")
    on_disk = merged(files)
    if secrets is None or withheld:
        secrets = on_disk
    if problem := sections_problem(on_disk) or sections_problem(secrets):
        return Mode("refuse", f"{problem}.")

    kpi = secrets.get("kpi", {})
    flag_env = (env.get(DEPLOYMENT_ENV) or "").strip().lower()
    flag_secrets = str(kpi.get("deployment") or "").strip().lower() if isinstance(kpi, Mapping) else ""
    for flag, where in ((flag_env, DEPLOYMENT_ENV), (flag_secrets, "[kpi] deployment")):
        if flag and flag not in DEPLOYMENTS:
            return Mode("refuse", f"{where} must be local or production.")
    production = "production" in (flag_env, flag_secrets)

    if "auth" in secrets:
        problem = auth_problem(secrets["auth"])
        if problem:
            return Mode("refuse", f"{problem}.")
        if withheld:
            return _restart()
        return Mode("signed-in")
    if withheld:
        return _restart()
    if production:
        where = DEPLOYMENT_ENV if flag_env == "production" else "[kpi] deployment"
        return Mode("refuse", f"{where} says production, but there is no [auth] section in the secrets.")
    if "local" not in (flag_env, flag_secrets):
        return Mode(
            "refuse",
            "there is no [auth] section in the secrets, and nothing asks for local mode (no sign-in, "
            "anyone who reaches the app acts as the workforce lead). To try the dashboard on this "
            f"machine, start it with make run (which sets {DEPLOYMENT_ENV}=local); to deploy it, "
            "configure sign-in.",
        )
    if not is_loopback(server_address):
        address = (server_address or "").strip()
        listening = f"on {address}" if address else "on all network interfaces"
        return Mode(
            "refuse",
            f"the server listens {listening} but there is no [auth] section in the "
            "secrets, so anyone who can reach it would act as the workforce lead. Configure sign-in, or "
            "run locally with server.address = 127.0.0.1.",
        )
    if visit is not None and (signs := proxy_signs(visit)):
        return Mode(
            "refuse",
            f"this request came through a proxy or from another machine ({_keys(signs)}), and local mode "
            "(no sign-in) is only for a browser on the app's own machine. Behind a proxy, configure "
            f"sign-in ([auth]) and set {DEPLOYMENT_ENV}=production.",
        )
    return Mode("local")


def _restart() -> Mode:
    return Mode(
        "refuse",
        "the secrets file could not be loaded when the server started, so Streamlit's server was given "
        "none; it reads them only at start. It reads correctly now: restart the app.",
    )
