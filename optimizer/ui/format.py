"""Number formats with units, the same everywhere in the app (t REO, USD, %, percentage points)."""

from __future__ import annotations

import math

DASH = "–"


def _bad(x: float | None) -> bool:
    return x is None or (isinstance(x, float) and not math.isfinite(x))


def usd(x: float | None) -> str:
    """USD per year, compact: 'USD 237.9 M', 'USD 12,345'."""
    if _bad(x):
        return DASH
    if abs(x) >= 1e9:
        return f"USD {x / 1e9:,.2f} bn"
    if abs(x) >= 1e6:
        return f"USD {x / 1e6:,.1f} M"
    return f"USD {x:,.0f}"


def usd_delta(x: float) -> str:
    """A signed change in USD, for st.metric deltas: '+6.2 M USD', '-340,000 USD'."""
    sign = "-" if x < 0 else "+"
    a = abs(x)
    if a >= 1e9:
        return f"{sign}{a / 1e9:,.2f} bn USD"
    if a >= 1e6:
        return f"{sign}{a / 1e6:,.1f} M USD"
    return f"{sign}{a:,.0f} USD"


def pct(x: float | None, digits: int = 1) -> str:
    """A share as a percentage: 0.6810 -> '68.1%'."""
    return DASH if _bad(x) else f"{x * 100:.{digits}f}%"


def pts(x: float, digits: int = 1) -> str:
    """A change of a share in percentage points: -0.1735 -> '-17.4 pp'."""
    return f"{x * 100:+.{digits}f} pp"


def tonnes(x: float | None) -> str:
    """t REO: '1,208 t', '5.9 t', '0.083 t'."""
    if _bad(x):
        return DASH
    a = abs(x)
    if a < 5e-4:  # solver round-off, not tonnes
        return "0 t"
    if a >= 100:
        return f"{x:,.0f} t"
    if a >= 1:
        return f"{x:,.1f} t"
    return f"{x:.2g} t"


def tonnes_delta(x: float) -> str:
    return ("+" if x >= 0 else "") + tonnes(x)


def index(x: float | None, digits: int = 3) -> str:
    """A concentration index (HHI 0-1, governance-weighted HHI 0-10)."""
    return DASH if _bad(x) else f"{x:.{digits}f}"


def index_delta(x: float, digits: int = 3) -> str:
    return f"{x:+.{digits}f}"


def short_hash(fingerprint: str) -> str:
    return fingerprint[:12]
