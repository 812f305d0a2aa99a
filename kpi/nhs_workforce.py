"""Kept so that `kpi.nhs_workforce` (still imported by `kpi/__main__.py`'s import-nhs-workforce command)
works: the adapter lives in `kpi.ingest.adapters.nhs_workforce`. Remove once nothing imports it."""

from kpi.ingest.adapters.nhs_workforce import REASONS, SOURCE, prepare_nhs_workforce

__all__ = ["REASONS", "SOURCE", "prepare_nhs_workforce"]
