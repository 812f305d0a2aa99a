"""Kept so that `kpi.nhs_workforce` (imported by the Import page and the command line) still works: the
adapter lives in `kpi.ingest.adapters.nhs_workforce`."""

from kpi.ingest.adapters.nhs_workforce import REASONS, SOURCE, prepare_nhs_workforce

__all__ = ["REASONS", "SOURCE", "prepare_nhs_workforce"]
