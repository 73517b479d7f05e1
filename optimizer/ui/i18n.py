"""The language and money settings of one session, and `t()`: a message of the catalogue
(optimizer.reports.messages) in the session's language.

The language comes, in this order, from the session (the sidebar switch), the URL (?lang=ko or
?lang=en), the browser's own language (st.context.locale, which Streamlit takes from the
browser; the Accept-Language header, st.context.headers, when the locale is not known), else
English.
"""

from __future__ import annotations

import re
from collections.abc import MutableMapping
from typing import Any

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from ..reports import messages
from . import format as fmt

LANG = "lang"
CURRENCY = "currency"
RATE = "krw_per_usd"
RATE_FROM_URL = "_rate_from_url"
LANGUAGES = messages.LANGUAGES
CURRENCIES = ("USD", "KRW")


_last = {"lang": messages.DEFAULT_LANGUAGE}  # see lang()


def lang() -> str:
    """The session's language. Outside a script run (a test harness calling a widget's
    format_func in its own thread) there is no session to ask: the language of the last run is
    used then, which is only ever for labels the harness compares, never for a page."""
    if get_script_run_ctx(suppress_warning=True) is None:
        return _last["lang"]
    value = st.session_state.get(LANG, messages.DEFAULT_LANGUAGE)
    return value if value in LANGUAGES else messages.DEFAULT_LANGUAGE


def remember() -> None:
    """Note this run's language for lang() outside a run (called at the start of each run)."""
    _last["lang"] = lang()


def t(key: str, **values: Any) -> str:
    return messages.text(key, lang(), **values)


def browser_language() -> str | None:
    """'ko' or 'en' when the browser says which it prefers, else None."""
    try:
        locale = st.context.locale
    except Exception:
        locale = None
    if locale:
        return "ko" if str(locale).lower().startswith("ko") else "en"
    try:
        header = st.context.headers.get("Accept-Language")
    except Exception:
        header = None
    if header:
        first = header.split(",")[0].strip().lower()
        return "ko" if first.startswith("ko") else "en"
    return None


def init(session: MutableMapping[str, Any], query: MutableMapping[str, Any]) -> None:
    """Settle the session's language, currency and exchange rate on its first run (URL first,
    then the browser), and take a language given in the URL later (a pasted link)."""
    asked = query.get("lang")
    if asked in LANGUAGES and session.get("_lang_from_url") != asked:
        session[LANG] = asked
        session["_lang_from_url"] = asked
    if session.get(LANG) not in LANGUAGES:
        session[LANG] = browser_language() or messages.DEFAULT_LANGUAGE
    if session.get(CURRENCY) not in CURRENCIES:
        cur = query.get("cur")
        session[CURRENCY] = cur if cur in CURRENCIES else "USD"
    if not isinstance(session.get(RATE), int | float) or session[RATE] <= 0:
        try:
            rate = float(query.get("fx", ""))
        except ValueError:
            rate = 0.0
        given = 100 <= rate <= 5000
        session[RATE] = rate if given else messages.DEFAULT_KRW_PER_USD
        session[RATE_FROM_URL] = given  # a rate in a pasted link wins over the dataset's


def money(session: MutableMapping[str, Any]) -> fmt.Money:
    return fmt.Money(session.get(CURRENCY, "USD"), float(session.get(RATE, 1.0)))


_RATE = re.compile(r"^\s*([0-9][0-9,]*(?:\.[0-9]+)?)\s*(?:\((.*)\))?\s*$", re.S)


def _meta_rate(dataset: Any) -> tuple[float, str | None] | None:
    """The dataset's exchange rate (meta key krw_per_usd, or usd_krw): the value cell holds the
    number, then optionally its source in brackets ('1422.16 (Bank of Korea ...)')."""
    meta = getattr(dataset, "meta", {}) or {}
    for key in ("krw_per_usd", "usd_krw"):
        match = _RATE.match(str(meta.get(key, "")))
        if not match:
            continue
        value = float(match.group(1).replace(",", ""))
        if 100 <= value <= 5000:
            source = (match.group(2) or "").strip() or None
            return value, source
    return None


def rate_for(dataset: Any) -> tuple[float, bool]:
    """The dataset's own exchange rate (meta key krw_per_usd or usd_krw) if it has one, else the
    default constant (messages.DEFAULT_KRW_PER_USD, only for a dataset without a rate); second
    item: True when it is the dataset's."""
    found = _meta_rate(dataset)
    if found is None:
        return messages.DEFAULT_KRW_PER_USD, False
    return found[0], True


def rate_source(dataset: Any) -> str | None:
    """The source the dataset gives for its exchange rate (which rate, which date), if any."""
    found = _meta_rate(dataset)
    return found[1] if found else None
