"""The versions a run records, so a result can be reproduced."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version


def package_versions() -> dict[str, str]:
    out = {}
    for name in ("ree-sourcing", "pulp", "highspy", "pandas", "numpy"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out
