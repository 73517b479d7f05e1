"""A briefing for a meeting: one self-contained HTML page in Korean or English with the policy in
words, the headline figures against today's mix, what is worse than today, the chain stage by
stage, the binding constraints and the shortfalls in words, and the exposure per element.

Self-contained and offline: inline CSS, no script, no image, no link, no font or file from
anywhere; every string from data is HTML-escaped. Pure python (no streamlit): the app passes
its money format and its policy sentence; the CLI could pass its own.

`to_pdf` prints the same page to PDF with headless Chromium (the browser the browser test
drives; Debian's chromium package), offline: the page loads nothing, and Chromium's own
network services are switched off. Hangul needs a CJK font on the machine (fonts-noto-cjk).
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pandas as pd

from ..solution import Solution, worse_than_today
from . import messages

_MD_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_BOLD = re.compile(r"\*\*(.+?)\*\*")

CSS = """
body { font-family: "Noto Sans CJK KR", "Noto Sans KR", "Malgun Gothic", "Apple SD Gothic Neo",
       "Segoe UI", Helvetica, Arial, sans-serif; color: #1B1F24; margin: 2rem auto;
       max-width: 60rem; line-height: 1.45; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; color: #1F4E79; }
h2 { font-size: 1.15rem; margin-top: 1.6rem; border-bottom: 1px solid #C9D1DB; }
table { border-collapse: collapse; width: 100%; margin: 0.4rem 0; font-size: 0.92rem; }
th, td { border: 1px solid #DDE2E8; padding: 0.25rem 0.5rem; text-align: left; }
th { background: #F3F5F8; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.meta { color: #5A6572; font-size: 0.88rem; }
.warn { background: #FFF4E5; border-left: 4px solid #D6604D; padding: 0.4rem 0.8rem; }
.note { background: #EEF4FA; border-left: 4px solid #2166AC; padding: 0.4rem 0.8rem; }
@page { size: A4; margin: 14mm; }
@media print { body { margin: 0; max-width: none; font-size: 10pt; }
               tr, li { break-inside: avoid; } h2 { break-after: avoid; } }
"""


def plain(text: str) -> str:
    """Markdown-escaped app text back to plain text (the briefing escapes for HTML itself)."""
    return _MD_ESCAPE.sub(r"\1", text)


def _h(text: object) -> str:
    return html.escape(str(text), quote=True)


def _rich(text: str) -> str:
    """App text (Markdown with **bold**) as safe HTML: escaped, then only <b> put back."""
    return _BOLD.sub(r"<b>\1</b>", _h(plain(text)))


def _pct(x: float | None) -> str:
    if x is None or pd.isna(x):
        return "–"
    return f"{x * 100:.1f}%"


def _index(x: float | None) -> str:
    if x is None or pd.isna(x):
        return "–"
    return f"{x:.3f}"


def _tonnes(x: float) -> str:
    return f"{x:,.1f} t"


def _table(header: list[str], rows: list[list[str]], numeric: set[int] | None = None) -> str:
    numeric = numeric or set()
    head = "".join(f"<th>{_h(c)}</th>" for c in header)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="n">{_h(c)}</td>' if i in numeric else f"<td>{_h(c)}</td>"
            for i, c in enumerate(r)
        )
        + "</tr>"
        for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def chain_shares(solution: Solution, view: str, top: int = 4) -> pd.DataFrame:
    """Per stage, the countries handling most of the tonnes (all elements in scope): stage,
    country, name, tonnes, share of the stage's tonnes."""
    shares = solution.stage_shares(view)
    if shares.empty:
        return pd.DataFrame(columns=["stage", "country", "name", "tonnes", "share"])
    by = shares.groupby(["stage", "country"], sort=False)["tonnes"].sum().reset_index()
    by["share"] = by["tonnes"] / by.groupby("stage")["tonnes"].transform("sum")
    names = solution.dataset.suppliers["name"]
    by["name"] = by["country"].map(lambda c: names.get(c, c))
    order = {s: i for i, s in enumerate(solution.dataset.stages)}
    by = by.sort_values(
        ["stage", "tonnes"], key=lambda c: c.map(order) if c.name == "stage" else -c
    )
    return by.groupby("stage", sort=False).head(top).reset_index(drop=True)


def build(
    solution: Solution,
    lang: str,
    money: Callable[[float | None], str],
    policy_words: str,
    source: str | None = None,
    today: date | None = None,
) -> str:
    """The briefing as one HTML document (a str), in `lang`.

    `money` formats an amount a year in the user's currency; `policy_words` is the policy
    sentence as the app shows it (Markdown-escaped text is accepted); `source` names the
    dataset as the user knows it (the uploaded file's name, or the bundled data)."""

    def t(key: str, **values) -> str:
        return messages.text(key, lang, **values)

    def stage(s: str) -> str:
        key = f"stage.{s}"
        return t(key) if key in messages.CATALOGUE else s

    ds = solution.dataset
    p, b = solution.portfolio, solution.baseline_portfolio
    stage_opt, china_opt = solution.worst_stage()
    stage_base, china_base = solution.worst_stage("baseline")
    parts: list[str] = []
    parts.append(f"<h1>{_h(t('brief.title'))}</h1>")
    parts.append(
        '<p class="meta">'
        + _h(
            t(
                "brief.meta",
                date=(today or date.today()).isoformat(),
                source=plain(source or t("sidebar.bundled")),
                as_of=ds.as_of,
                sha=ds.fingerprint[:12],
            )
        )
        + "</p>"
    )
    parts.append(f"<h2>{_h(t('brief.policy'))}</h2><p>{_rich(policy_words)}</p>")

    parts.append(f"<h2>{_h(t('brief.headline'))}</h2>")
    rows = [
        [t("card.cost"), money(solution.total_cost_usd), money(b["cost_usd"])],
        [t("card.least_cost"), money(solution.least_cost_usd), ""],
        [
            t("card.budget"),
            money(solution.budget_usd) if solution.budget_usd is not None else t("card.no_budget"),
            "",
        ],
        [t("card.hhi_worst"), _index(p["hhi"]), _index(b["hhi"])],
        [
            t("brief.china_worst"),
            f"{_pct(china_opt)} ({stage(stage_opt)})",
            f"{_pct(china_base)} ({stage(stage_base)})",
        ],
        [t("card.forge_worst"), _pct(p["forge_share"]), _pct(b["forge_share"])],
        [t("card.unmet"), _tonnes(p["unmet_t"]), _tonnes(b["unmet_t"])],
    ]
    parts.append(_table([t("brief.measure"), t("mix.optimized"), t("mix.baseline")], rows, {1, 2}))
    worse = worse_than_today(solution)
    if worse:
        items = "".join(
            f"<li>{_h(t('worse.' + w['measure']))}: {_h(_fmt_measure(w['measure'], w['optimized']))}"
            f" / {_h(_fmt_measure(w['measure'], w['today']))}</li>"
            for w in worse
        )
        parts.append(
            f'<div class="warn"><b>{_h(plain(t("overview.worse")).strip("*"))}</b> '
            f"({_h(t('brief.opt_today'))})<ul>{items}</ul></div>"
        )
    if solution.status == "shortfall":
        parts.append(f'<div class="warn">{_rich(t("overview.shortfall"))}</div>')

    parts.append(f"<h2>{_h(t('brief.chain'))}</h2>")
    opt = solution.stage_portfolio("optimized")
    base = solution.stage_portfolio("baseline").reindex(opt.index)
    tops = {v: chain_shares(solution, v) for v in ("baseline", "optimized")}

    def leaders(view: str, s: str) -> str:
        frame = tops[view]
        frame = frame[frame["stage"] == s]
        return " · ".join(
            f"{n} {_pct(x)}" for n, x in zip(frame["name"], frame["share"], strict=True)
        )

    rows = [
        [
            stage(s),
            _pct(base.at[s, "china_share"]),
            _pct(opt.at[s, "china_share"]),
            _index(base.at[s, "hhi"]),
            _index(opt.at[s, "hhi"]),
            leaders("baseline", s),
            leaders("optimized", s),
        ]
        for s in opt.index
    ]
    parts.append(
        _table(
            [
                t("col.stage"),
                t("col.china_today"),
                t("col.china_opt"),
                t("col.hhi_today"),
                t("col.hhi_opt"),
                t("brief.leaders_today"),
                t("brief.leaders_opt"),
            ],
            rows,
            {1, 2, 3, 4},
        )
    )
    parts.append(f'<p class="meta">{_h(t("brief.chain_note"))}</p>')

    parts.append(f"<h2>{_h(t('brief.binding'))}</h2>")
    sp = solution.shadow_prices
    binding = sp[sp["binding"].astype(bool)] if len(sp) else sp
    if len(binding):
        items = "".join(f"<li>{_h(x)}</li>" for x in messages.explain(binding, lang))
        parts.append(f"<ul>{items}</ul>")
    else:
        parts.append(f"<p>{_h(t('brief.no_binding'))}</p>")
    parts.append(f"<h2>{_h(t('constraints.shortfalls'))}</h2>")
    if len(solution.shortfalls):
        items = "".join(f"<li>{_h(x)}</li>" for x in messages.explain(solution.shortfalls, lang))
        parts.append(f'<div class="warn"><ul>{items}</ul></div>')
    else:
        parts.append(f"<p>{_h(t('constraints.no_shortfall'))}</p>")
    if len(solution.caps_not_met):
        items = "".join(f"<li>{_h(x)}</li>" for x in messages.explain(solution.caps_not_met, lang))
        parts.append(
            f'<div class="warn"><b>{_h(t("constraints.caps_not_met"))}</b><ul>{items}</ul></div>'
        )
    if len(solution.above_today):
        items = "".join(f"<li>{_h(x)}</li>" for x in messages.explain(solution.above_today, lang))
        parts.append(
            f'<div class="note"><b>{_h(t("constraints.above_today"))}</b><ul>{items}</ul></div>'
        )

    parts.append(f"<h2>{_h(t('brief.exposure'))}</h2>")
    m, bm = solution.metrics, solution.baseline_metrics.reindex(solution.metrics.index)
    names = ds.elements["name"]
    rows = [
        [
            f"{e} · {names.get(e, e)}",
            f"{m.at[e, 'demand_t']:,.1f}",
            _pct(bm.at[e, "china_share"]),
            _pct(m.at[e, "china_share"]),
            _index(bm.at[e, "hhi"]),
            _index(m.at[e, "hhi"]),
            money(m.at[e, "cost_usd"]),
            f"{m.at[e, 'unmet_t']:,.2f}",
        ]
        for e in m.index
    ]
    parts.append(
        _table(
            [
                t("col.element"),
                t("col.demand_t"),
                t("col.china_today"),
                t("col.china_opt"),
                t("col.hhi_today"),
                t("col.hhi_opt"),
                t("brief.cost_opt"),
                t("col.unmet_t"),
            ],
            rows,
            {1, 2, 3, 4, 5, 6, 7},
        )
    )
    parts.append(f'<p class="meta">{_h(t("brief.footer"))}</p>')
    return (
        f'<!DOCTYPE html>\n<html lang="{_h(lang)}"><head><meta charset="utf-8">'
        f"<title>{_h(t('brief.title'))}</title><style>{CSS}</style></head>"
        f"<body>{''.join(parts)}</body></html>\n"
    )


def _fmt_measure(measure: str, value: float) -> str:
    if measure in ("hhi", "wgi_hhi"):
        return _index(value)
    if measure == "unmet_t":
        return _tonnes(value)
    return _pct(value)


# Chromium, headless and with every background service off: printing a local page asks no host
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--disable-extensions",
    "--no-pdf-header-footer",
)
PDF_TIMEOUT = 120.0  # seconds; about 1.5 s here


class PdfError(RuntimeError):
    """The briefing could not be printed to PDF (no Chromium, or Chromium failed)."""


def chromium() -> str | None:
    """The Chromium to print with: REE_SOURCING_CHROMIUM if set, else the first on PATH."""
    chosen = os.environ.get("REE_SOURCING_CHROMIUM", "").strip()
    if chosen:
        return chosen if Path(chosen).is_file() else None
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def to_pdf(page: str, browser: str | None = None, timeout: float = PDF_TIMEOUT) -> bytes:
    """The briefing page (build()) as PDF bytes, printed by headless Chromium from a file in a
    fresh temporary folder (its own profile too, so parallel prints do not share one)."""
    browser = browser or chromium()
    if not browser:
        raise PdfError(
            "no Chromium found to print the briefing: install it (Debian: apt-get install "
            "chromium) or set REE_SOURCING_CHROMIUM to its path"
        )
    with tempfile.TemporaryDirectory(prefix="ree-briefing-") as tmp:
        source, target = Path(tmp) / "briefing.html", Path(tmp) / "briefing.pdf"
        source.write_text(page, encoding="utf-8")
        command = [
            browser,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={Path(tmp) / 'profile'}",
            f"--print-to-pdf={target}",
            source.as_uri(),
        ]
        try:
            done = subprocess.run(command, capture_output=True, timeout=timeout, check=False)
        except (OSError, subprocess.TimeoutExpired) as e:
            raise PdfError(f"Chromium could not print the briefing: {e}") from None
        data = target.read_bytes() if target.is_file() else b""
    if done.returncode != 0 or not data.startswith(b"%PDF"):
        tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        raise PdfError(f"Chromium could not print the briefing (exit {done.returncode}): {tail[0]}")
    return data
