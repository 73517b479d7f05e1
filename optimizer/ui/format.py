"""Number formats with units, the same everywhere in the app (t REO, money, %, percentage points).

Money is USD or KRW (억원, 10^8 won) at the exchange rate the sidebar shows. The choice is kept
per thread (`use`), set at the start of every script run from the session's own settings, so two
sessions never see each other's currency; outside a run (tests, the CLI) it is USD.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

DASH = "–"
EOK = 1e8  # 억: the unit of large sums in Korean


@dataclass(frozen=True)
class Money:
    currency: str = "USD"  # USD or KRW
    krw_per_usd: float = 1.0  # used when currency is KRW

    @property
    def krw(self) -> bool:
        return self.currency == "KRW"


USD = Money()
_local = threading.local()


def use(money: Money) -> None:
    """The money settings of this script run (one session's)."""
    _local.money = money


def money() -> Money:
    return getattr(_local, "money", USD)


def _bad(x: float | None) -> bool:
    return x is None or (isinstance(x, float) and not math.isfinite(x))


def million_scale() -> tuple[float, str]:
    """Table money columns: (factor from M USD, unit) — M USD or 억원."""
    m = money()
    if m.krw:
        return 1e6 * m.krw_per_usd / EOK, "억원"
    return 1.0, "M USD"


def _krw(x: float, signed: bool = False) -> str:
    won = x * money().krw_per_usd
    sign = "+" if signed and won >= 0 else ""
    if abs(won) >= 1e12:  # 조 = 10^4 억
        return f"{sign}{won / 1e12:,.2f}조원"
    if abs(won) >= EOK:
        return f"{sign}{won / EOK:,.1f}억원"
    return f"{sign}{won / 1e4:,.0f}만원"


def usd(x: float | None) -> str:
    """Money per year, compact: 'USD 237.9 M', 'USD 12,345' (or '3,245.0억원' in KRW)."""
    if _bad(x):
        return DASH
    if money().krw:
        return _krw(x)
    if abs(x) >= 1e9:
        return f"USD {x / 1e9:,.2f} bn"
    if abs(x) >= 1e6:
        return f"USD {x / 1e6:,.1f} M"
    return f"USD {x:,.0f}"


def usd_delta(x: float) -> str:
    """A signed change of money, for st.metric deltas: '+6.2 M USD', '-340,000 USD'."""
    if money().krw:
        return _krw(x, signed=True)
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


# --- text from data ------------------------------------------------------------------------

_MD_SPECIAL = set("\\`*_{}[]()#+-.!|<>~$:&=\"'")


def md(text: object) -> str:
    """A string from data, safe inside Markdown: every ASCII punctuation mark backslash-escaped
    (CommonMark allows it for all of them), so an author's `![x](http://...)`, `<img ...>`,
    `:red[...]` or a link becomes the literal characters, never an element or a request.
    Newlines become spaces, so a value cannot start a block of its own; bare web and mail
    addresses are broken with a zero-width space so that no autolink is made of them."""
    s = " ".join(str(text).split())
    # GitHub-flavoured Markdown links bare addresses even when escaped (autolink literals):
    # a zero-width space after the scheme, 'www' and '@' keeps them plain text, looking the same
    for pattern, safe in (("://", ":\u200b//"), ("www.", "www\u200b."), ("@", "@\u200b")):
        s = s.replace(pattern, safe)
    return "".join("\\" + c if c in _MD_SPECIAL else c for c in s)


def html(text: object) -> str:
    """A string from data, safe inside plotly's hover and label text (which reads a few tags)."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
