"""How the app is deployed, decided once per run and failing closed. Pure: no streamlit.

Three outcomes:

- **local**: no sign-in; the person at the keyboard may act as the workforce lead and a fresh database
  gets the demo data. Only when nothing says otherwise *and* the server listens on the loopback
  address (127.0.0.1, as the project's .streamlit/config.toml sets), so nobody else can reach it.
- **signed-in**: a complete `[auth]` section (OpenID Connect) in the secrets; everyone signs in.
- **refuse**: anything doubtful. A secrets file that exists but cannot be read, an `[auth]` section
  missing keys, a production flag (KPI_DEPLOYMENT=production or `[kpi] deployment = "production"`)
  without sign-in, or a server listening beyond this machine without sign-in. The app then shows
  only "Sign-in is misconfigured: <reason>". A reason names files, keys and line numbers, never a value.
"""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Kind = Literal["local", "signed-in", "refuse"]
DEPLOYMENT_ENV = "KPI_DEPLOYMENT"
DEPLOYMENTS = ("local", "production")
AUTH_KEYS = ("redirect_uri", "cookie_secret")  # in [auth] itself
PROVIDER_KEYS = ("client_id", "client_secret", "server_metadata_url")  # in [auth] or each [auth.<name>]
LOOPBACK_NAMES = {"localhost"}


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
        return SecretsFile(path, exists=True, error="it is not UTF-8 text")
    except PermissionError:
        return SecretsFile(path, exists=True, error="the app is not allowed to read it")
    except (OSError, ValueError) as exc:
        return SecretsFile(path, exists=True, error=f"it cannot be opened ({type(exc).__name__})")


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


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def auth_problem(auth: Any) -> str | None:
    """What is wrong with an [auth] section, as Streamlit's st.login would find it, or None.
    Keys present but empty count as missing. Names keys only, never values."""
    if not isinstance(auth, Mapping):
        return "[auth] must be a section (a table of keys), not a single value"
    missing = [key for key in AUTH_KEYS if _blank(auth.get(key))]
    if missing:
        return f"[auth] is missing {_keys(missing)}"
    providers = {name: section for name, section in auth.items() if isinstance(section, Mapping)}
    if not providers:
        missing = [key for key in PROVIDER_KEYS if _blank(auth.get(key))]
        if missing:
            return f"[auth] is missing {_keys(missing)}"
        return None
    for name, section in providers.items():
        if "_" in name:
            return f"the provider name [auth.{name}] contains an underscore, which Streamlit does not allow"
        missing = [key for key in PROVIDER_KEYS if _blank(section.get(key))]
        if missing:
            return f"[auth.{name}] is missing {_keys(missing)}"
    return None


def _keys(keys: list[str]) -> str:
    quoted = list(keys)
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def providers(auth: Mapping[str, Any]) -> list[str]:
    """The named sign-in providers ([auth.<name>] sections); empty for the default provider."""
    return [name for name, section in auth.items() if isinstance(section, Mapping)]


def decide(
    files: Iterable[SecretsFile],
    env: Mapping[str, str],
    server_address: str | None,
    secrets: Mapping[str, Any] | None = None,
    secrets_error: bool = False,
) -> Mode:
    """The deployment mode.

    files: every secrets location as read from disk (read_secrets); secrets: the secrets the app
    actually sees (st.secrets), merged from the files when not given; secrets_error: Streamlit itself
    failed to load the secrets; env: the environment (KPI_DEPLOYMENT); server_address: Streamlit's
    server.address (empty = all interfaces).
    """
    files = list(files)
    for item in files:
        if item.error:
            return Mode("refuse", f"the secrets file {item.path} cannot be read: {item.error}.")
    if secrets_error and any(item.exists for item in files):
        return Mode("refuse", "Streamlit could not load the secrets file (see the server log).")
    if secrets is None:
        secrets = merged(files)

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
        return Mode("signed-in")
    if production:
        where = DEPLOYMENT_ENV if flag_env == "production" else "[kpi] deployment"
        return Mode("refuse", f"{where} says production, but there is no [auth] section in the secrets.")
    if not is_loopback(server_address):
        address = (server_address or "").strip()
        listening = f"on {address}" if address else "on all network interfaces"
        return Mode(
            "refuse",
            f"the server listens {listening} but there is no [auth] section in the "
            "secrets, so anyone who can reach it would act as the workforce lead. Configure sign-in, or "
            "run locally with server.address = 127.0.0.1.",
        )
    return Mode("local")
