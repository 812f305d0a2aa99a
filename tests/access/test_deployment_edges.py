"""Edges of the deployment decision found by a fresh mutation sample (tools/mutate.py, seed 28): a
secrets file with no [auth] is one Streamlit can load, and a bad section in the file on disk refuses
even when the secrets the app is handed look fine (and the other way round)."""

from __future__ import annotations

from pathlib import Path

from kpi.access.deployment import decide, read_secrets_file, streamlit_cannot_load

LOCAL = {"KPI_DEPLOYMENT": "local"}
LOOPBACK = "127.0.0.1"


def secrets_file(tmp_path: Path, text: str):
    path = tmp_path / "secrets.toml"
    path.write_text(text, encoding="utf-8")
    return read_secrets_file(path)


def test_a_secrets_file_without_an_auth_section_is_one_streamlit_can_load(tmp_path):
    assert not streamlit_cannot_load([secrets_file(tmp_path, '[kpi]\ntenant_id = "t"\n')])
    assert streamlit_cannot_load([secrets_file(tmp_path, 'auth = "yes"\n')])


def test_a_bad_section_on_disk_or_in_the_secrets_handed_over_refuses(tmp_path):
    bad = secrets_file(tmp_path, '[KPI]\ntenant_id = "t"\n')
    mode = decide([bad], LOCAL, LOOPBACK, secrets={})
    assert mode.refused and "[KPI] must be written [kpi]" in mode.reason
    good = secrets_file(tmp_path, '[kpi]\ntenant_id = "t"\n')
    mode = decide([good], LOCAL, LOOPBACK, secrets={"KPI": {"tenant_id": "t"}})
    assert mode.refused and "[KPI] must be written [kpi]" in mode.reason
    assert not decide([good], LOCAL, LOOPBACK, secrets={"kpi": {"tenant_id": "t"}}).refused
