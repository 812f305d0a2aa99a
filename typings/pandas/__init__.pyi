# pandas as Any for `make test`'s mypy, on purpose and for now: pandas-stubs (requirements-dev.txt) is
# installed, but with it mypy finds about 430 errors in kpi/ that are not fixed yet. pyproject.toml's
# mypy_path puts this stub first. `make mypy-pandas` checks with the real stubs and prints the count;
# delete this directory when that count is 0.
from typing import Any

def __getattr__(name: str) -> Any: ...
