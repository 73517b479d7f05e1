"""One catalogue of the words the app shows people, in English and Korean, under one set of ids.

`text(id, lang, **values)` gives the message in a language with its {placeholders} filled in.
Every id has both languages and the same placeholders in each (tests/test_messages.py checks).
Values from data (names, descriptions) are filled in by the caller, escaped for where they go.
The library's own explanations (shortfalls, shadow prices, above today) are messages too: the
library writes them in English with `render(why)` and keeps each `why` (id and values) beside
the text, so the app can give them in Korean with the same numbers.
"""

from __future__ import annotations

import string
from typing import Any

LANGUAGES = {"ko": "한국어", "en": "English"}
DEFAULT_LANGUAGE = "en"

# A fallback, not data: only for a dataset without its own rate (the bundled meta.csv has
# krw_per_usd with its source). Bank of Korea, ECOS table 731Y003,
# annual average of the daily USD/KRW closing rate for 2024 (1,364.0 won per dollar). A
# dataset may carry its own in meta.csv (key krw_per_usd); the sidebar lets anyone set another.
DEFAULT_KRW_PER_USD = 1364.0
DEFAULT_RATE_SOURCE = "Bank of Korea ECOS, 2024 annual average USD/KRW"

# Terms of the glossary, in the order shown.
GLOSSARY = (
    "hhi",
    "wgi_hhi",
    "wgi",
    "cvar",
    "reo",
    "pp",
    "bloc",
    "forge",
    "fta",
    "asean",
    "stage",
    "mine",
    "separation",
    "metal",
    "magnet",
    "worst_stage",
    "ceiling",
    "shadow",
    "binding",
    "shortfall",
    "komir",
    "eok",
)

# id: (English, Korean)
_PAIRS: dict[str, tuple[str, str]] = {
    # --- the page --------------------------------------------------------------------------
    "app.page_title": ("Rare-earth sourcing · Korea", "희토류 조달 · 한국"),
    "app.title": ("Rare-earth sourcing for Korea", "한국의 희토류 조달 최적화"),
    "app.intro": (
        "The least-risk supply chain for each rare-earth element, from mines through "
        "separation and metal to magnets, across China, Vietnam, Laos, FORGE partners and "
        "domestic recycling, within a cost limit, set against **today's mix**. Quantities in "
        "tonnes of rare-earth oxide equivalent per year (t REO/yr); money in {currency} per year.",
        "희토류 원소별로 채굴·분리·금속·자석에 이르는 공급망에서 위험이 가장 낮은 조달 구성을 "
        "비용 한도 안에서 찾고 **현재 구성**과 비교합니다. 중국, 베트남, 라오스, FORGE 협력국, "
        "국내 재활용을 포함합니다. 물량은 연간 희토류 산화물 환산 톤(t REO/년), 금액은 연간 "
        "{currency} 단위입니다.",
    ),
    "app.optimizing": ("Optimizing…", "최적화 중…"),
    "app.cannot_solve": (
        "**This policy cannot be solved as set.** Change the controls named below.",
        "**설정한 정책으로는 풀 수 없습니다.** 아래에 적힌 설정을 바꾸십시오.",
    ),
    "app.last_valid": (
        "Showing the last valid result, for: {policy}",
        "마지막 유효 결과를 표시합니다: {policy}",
    ),
    "app.status_optimal": ("optimal", "최적"),
    "app.status_shortfall": ("shortfall: see Constraints", "공급 부족: 제약 탭 참조"),
    "app.solved_in": ("solved in {seconds} s", "{seconds}초 만에 계산"),
    "app.from_cache": (" (from cache)", " (저장된 결과)"),
    "app.last_result": ("last valid result", "마지막 유효 결과"),
    "app.policy_line": ("**Policy:** {policy}", "**정책:** {policy}"),
    "app.status_line": (
        "**Status:** {status} · {timing} · dataset as of {as_of}",
        "**상태:** {status} · {timing} · 데이터 기준일 {as_of}",
    ),
    "app.upload_not_loaded": (
        "**{name} was not loaded** ({count} problem(s)). The app keeps the dataset and results "
        "it had. Fix these in the file and upload it again:",
        "**{name} 파일을 불러오지 못했습니다** (문제 {count}건). 기존 데이터와 결과는 그대로 "
        "유지됩니다. 파일에서 아래 내용을 고친 뒤 다시 올리십시오:",
    ),
    "app.dismiss": ("Dismiss", "닫기"),
    "col.file": ("File / sheet", "파일 / 시트"),
    "col.row": ("Row", "행"),
    "col.column": ("Column", "열"),
    "col.value": ("Value", "값"),
    "col.problem": ("Problem and what to do", "문제와 조치 방법"),
    # --- tabs ------------------------------------------------------------------------------
    "tab.overview": ("Overview", "개요"),
    "tab.chain": ("Supply chain", "공급망"),
    "tab.allocation": ("Allocation", "배분"),
    "tab.map": ("Partner map", "협력국 지도"),
    "tab.frontier": ("Frontier", "비용-위험 경계"),
    "tab.scenarios": ("Scenarios", "시나리오"),
    "tab.sensitivity": ("Sensitivity", "민감도"),
    "tab.constraints": ("Constraints", "제약"),
    "tab.path": ("Path to 2030", "2030년까지의 경로"),
    "tab.runs": ("Runs", "실행 비교"),
    "tab.export": ("Export", "내보내기"),
    # --- words used in many places ---------------------------------------------------------
    "stage.mine": ("Mine", "채굴"),
    "stage.separation": ("Separation", "분리"),
    "stage.metal": ("Metal", "금속"),
    "stage.magnet": ("Magnet", "자석"),
    "stage.korea": ("Korea", "한국"),
    "stage.selector": ("Stage", "공정 단계"),
    "stage.worst": ("Worst stage ({stage})", "가장 취약한 단계 ({stage})"),
    "stage.help": (
        "Which step of the chain the figures are at: mine (concentrate), separation (oxide), "
        "metal and alloy, or magnet. A tonne is counted at each stage in the country whose plant "
        "did that step. The worst stage is where China's share of the optimized mix is highest.",
        "수치를 어느 공정 단계에서 볼지 고릅니다: 채굴(정광), 분리(산화물), 금속·합금, 자석. "
        "각 단계에서 1톤은 그 공정을 수행한 공장이 있는 나라에 집계됩니다. 가장 취약한 단계는 "
        "최적 구성에서 중국 비중이 가장 높은 단계입니다.",
    ),
    "mix.baseline": ("Today", "현재"),
    "mix.optimized": ("Optimized", "최적"),
    "mix.difference": ("Change", "변화"),
    "mix.baseline_long": ("Today's mix", "현재 구성"),
    "mix.optimized_long": ("Optimized mix", "최적 구성"),
    "all_elements": ("All elements in scope", "대상 원소 전체"),
    "col.element": ("Element", "원소"),
    "col.name": ("Name", "이름"),
    "col.stage": ("Stage", "단계"),
    "col.supplier": ("Supplier", "공급자"),
    "col.country": ("Country", "국가"),
    "col.code": ("Code", "코드"),
    "col.in_words": ("In words", "설명"),
    "no_change": ("no change", "변화 없음"),
    "currency.USD": ("USD", "미국 달러 (USD)"),
    "currency.KRW": ("KRW (억원)", "원화 (억원)"),
    # --- sidebar ---------------------------------------------------------------------------
    "sidebar.language": ("Language · 언어", "언어 · Language"),
    "sidebar.currency": ("Money in", "금액 단위"),
    "sidebar.currency_help": (
        "Show money in US dollars or in Korean won (억원 = 100 million won). Prices in the "
        "data are USD; won are USD times the exchange rate below. Results do not change.",
        "금액을 미국 달러 또는 원화(억원 = 1억 원)로 표시합니다. 데이터의 가격은 달러이며, 원화는 "
        "아래 환율을 곱한 값입니다. 계산 결과는 바뀌지 않습니다.",
    ),
    "sidebar.rate": ("Exchange rate (KRW per USD)", "환율 (1달러당 원)"),
    "sidebar.rate_help": (
        "Won per US dollar used to show money in KRW. The rate is the dataset's (meta.csv, key "
        "krw_per_usd, with its source and date); a dataset without one falls back to a "
        "default constant: Bank of Korea ECOS, 2024 annual average (1,364.0).",
        "원화 표시에 쓰는 1달러당 원화 환율입니다. 환율은 데이터셋 값(meta.csv, 키 krw_per_usd, "
        "출처와 날짜 포함)이며, 환율이 없는 데이터셋은 기본 상수인 한국은행 ECOS 2024년 "
        "연평균(1,364.0원)을 씁니다.",
    ),
    "sidebar.rate_line": (
        "Exchange rate: {rate} KRW/USD ({source}).",
        "환율: 1달러 = {rate}원 ({source}).",
    ),
    "sidebar.rate_default": (
        "default constant: Bank of Korea ECOS, 2024 annual average, not from the dataset",
        "기본 상수: 한국은행 ECOS 2024년 연평균, 데이터셋 값 아님",
    ),
    "sidebar.rate_from_data": ("from the dataset: {source}", "데이터셋 값: {source}"),
    "sidebar.rate_user": ("set by you", "사용자 입력"),
    "sidebar.policy": ("Policy", "정책"),
    "sidebar.preset": ("Preset", "사전 설정"),
    "sidebar.preset_help": (
        "Fills in the caps and minimums below (at once); adjust them freely afterwards.",
        "아래 상한과 최소 비중을 바로 채웁니다. 이후 자유롭게 조정할 수 있습니다.",
    ),
    "sidebar.apply": ("Apply", "적용"),
    "sidebar.apply_note": (
        "Changes below take effect when you press Apply.",
        "아래 설정은 적용 버튼을 눌러야 반영됩니다.",
    ),
    "sidebar.objective": ("Objective", "목표"),
    "sidebar.objective_help": (
        "What the optimizer minimises. HHI: sum of squared country shares per element (1 = one "
        "country). Governance-weighted HHI: each share squared times the country's governance "
        "risk (0-10, World Bank WGI). Largest / top-3 share: the biggest one or three countries' "
        "share. Disruption loss: the value of demand lost across the dataset's disruption "
        "scenarios after the stockpile is drawn, as CVaR (mean of the worst tail) or worst case. "
        "Least cost: the cheapest mix that respects the caps and minimums. Concentration "
        "measures are combined across elements with the element weights (default: value of "
        "demand).",
        "최적화가 최소화하는 값입니다. HHI: 원소별 국가 비중 제곱의 합(1 = 한 나라). 거버넌스 가중 "
        "HHI: 비중 제곱에 그 나라의 거버넌스 위험(0-10, 세계은행 WGI)을 곱한 값. 최대 / 상위 3개국 "
        "비중: 가장 큰 한 나라 또는 세 나라의 비중. 공급 중단 손실: 비축분을 쓴 뒤에도 데이터의 "
        "공급 중단 시나리오에서 잃는 수요의 가치로, CVaR(최악 꼬리 구간의 평균) 또는 최악의 경우. "
        "최소 비용: 상한과 최소 비중을 지키는 가장 싼 구성. 집중도 지표는 원소 가중치(기본: 수요 "
        "금액)로 원소를 합산합니다.",
    ),
    "objective.hhi": ("Concentration (HHI)", "집중도 (HHI)"),
    "objective.wgi-hhi": ("Governance-weighted HHI", "거버넌스 가중 HHI"),
    "objective.max-share": ("Largest supplier's share", "최대 공급국 비중"),
    "objective.top3": ("Top-3 suppliers' share", "상위 3개 공급국 비중"),
    "objective.cvar": ("Disruption loss, CVaR", "공급 중단 손실, CVaR"),
    "objective.worst-case": ("Disruption loss, worst case", "공급 중단 손실, 최악의 경우"),
    "objective.expected-loss": ("Disruption loss, expected", "공급 중단 손실, 기댓값"),
    "objective.cost": ("Least cost (within caps)", "최소 비용 (상한 내)"),
    "sidebar.alpha": ("CVaR level", "CVaR 수준"),
    "sidebar.alpha_help": (
        "CVaR at 0.90 is the mean loss of the worst 10% of outcomes (probability-weighted across "
        "the dataset's disruption scenarios); higher looks further into the tail.",
        "0.90의 CVaR는 최악 10% 결과의 평균 손실입니다(데이터의 공급 중단 시나리오 확률로 가중). "
        "값이 클수록 더 극단적인 꼬리를 봅니다.",
    ),
    "sidebar.budget_mode": ("Budget", "예산"),
    "sidebar.budget_mode_help": (
        "What the cost limit means. Premium over least cost: the cheapest mix that meets the "
        "same caps, plus the premium (so tighter caps raise the limit). Premium over today's "
        "cost: what today's mix costs, plus the premium. Absolute: a fixed amount a year.",
        "비용 한도의 의미입니다. 최소 비용 대비 추가율: 같은 상한을 지키는 가장 싼 구성에 추가율을 "
        "더한 값(상한을 강화하면 한도도 오릅니다). 현재 비용 대비 추가율: 현재 구성의 비용에 추가율을 "
        "더한 값. 절대 금액: 연간 고정 금액.",
    ),
    "budget.least": ("Premium over least cost", "최소 비용 대비 추가율"),
    "budget.today": ("Premium over today's cost", "현재 비용 대비 추가율"),
    "budget.absolute": ("Absolute amount", "절대 금액"),
    "sidebar.premium": ("Budget premium (%)", "예산 추가율 (%)"),
    "sidebar.premium_help": (
        "Used with the two premium budgets: the optimized mix may cost at most this much more "
        "than least cost (or today's cost), a year at landed prices.",
        "두 가지 추가율 예산에 쓰입니다. 최적 구성의 연간 비용(도착 가격 기준)은 최소 비용(또는 "
        "현재 비용)보다 이만큼까지만 더 들 수 있습니다.",
    ),
    "sidebar.budget_abs": ("Absolute budget (M USD a year)", "절대 예산 (연간 백만 달러)"),
    "sidebar.budget_abs_help": (
        "Used with the absolute budget: the most the optimized mix may cost a year, in million "
        "US dollars.",
        "절대 금액 예산에 쓰입니다. 최적 구성이 1년에 쓸 수 있는 최대 금액(백만 달러)입니다.",
    ),
    "sidebar.budget_abs_in": ("That is {amount} a year.", "연간 {amount}에 해당합니다."),
    "sidebar.china_cap": ("China cap (every stage)", "중국 상한 (모든 단계)"),
    "sidebar.china_cap_help": (
        "The most China may handle of any element's demand, at every stage of the chain "
        "(mining, separation, metal, magnets). 100% = no cap.",
        "각 원소 수요 중 중국이 맡을 수 있는 최대 비중으로, 공급망의 모든 단계(채굴, 분리, 금속, "
        "자석)에 적용됩니다. 100% = 상한 없음.",
    ),
    "sidebar.country_cap": (
        "Cap on any single country (every stage)",
        "단일 국가 상한 (모든 단계)",
    ),
    "sidebar.country_cap_help": (
        "Applies to every country at every stage (domestic sources are not countries). "
        "100% = no cap.",
        "모든 나라에 모든 단계에서 적용됩니다(국내 공급원은 제외). 100% = 상한 없음.",
    ),
    "sidebar.china_by_country_cap": (
        "China is held to {cap}% by the single-country cap.",
        "단일 국가 상한에 따라 중국은 {cap}%로 제한됩니다.",
    ),
    "sidebar.bloc_min_main": (
        "{bloc} minimum (share of each element)",
        "{bloc} 최소 비중 (원소별)",
    ),
    "sidebar.bloc_min": ("{bloc} minimum", "{bloc} 최소 비중"),
    "sidebar.bloc_min_help": (
        "At least this share of every element from {bloc} members ({members}).",
        "모든 원소에서 {bloc} 회원국({members})이 최소 이만큼을 공급합니다.",
    ),
    "sidebar.recycled": ("Recycled share minimum", "재활용 최소 비중"),
    "sidebar.recycled_help": (
        "At least this share of each element from domestic recycling, as far as its capacity "
        "allows ({members}).",
        "각 원소의 최소 이만큼을 국내 재활용에서 조달합니다(재활용 능력 범위 안에서; {members}).",
    ),
    "sidebar.none_in_data": ("none in this dataset", "이 데이터셋에는 없음"),
    "sidebar.stockpile": ("Stockpile held", "비축 보유량"),
    "sidebar.stockpile_help": (
        "Korea's strategic stock, drawn only in a disruption and refilled afterwards, in days "
        "of each element's demand: as in the dataset's stockpile table (KOMIR: about 55 days, "
        "Dy and Y above 180; the target is 100), or the same number of days for every element. "
        "Used by the Scenarios tab and the disruption-loss objectives; the concentration "
        "objectives ignore it.",
        "공급 중단 때만 꺼내 쓰고 나중에 다시 채우는 한국의 전략 비축으로, 원소별 수요 일수로 "
        "나타냅니다. 데이터셋의 비축 표 그대로(KOMIR: 약 55일, Dy와 Y는 180일 이상, 목표 100일) "
        "또는 모든 원소에 같은 일수를 씁니다. 시나리오 탭과 공급 중단 손실 목표에 쓰이며, 집중도 "
        "목표에는 쓰이지 않습니다.",
    ),
    "sidebar.stock_data": ("As in the data", "데이터 그대로"),
    "sidebar.stock_days": ("Same days for all", "모든 원소 같은 일수"),
    "sidebar.stock_target": ("At least", "최소 일수"),
    "sidebar.stock_days_slider": ("Days of demand, every element", "수요 일수 (모든 원소)"),
    "sidebar.stock_size": ("Stockpile size", "비축 규모"),
    "sidebar.stock_given": ("Given", "주어진 대로"),
    "sidebar.stock_sized": ("Optimised", "최적화"),
    "sidebar.stock_size_help": (
        "Optimised: the model may buy more stock of any element, up to {days} days of its "
        "demand, paying its holding cost (the stockpile table's holding_rate) out of the same "
        "budget as the sourcing: it answers whether to stockpile more or to buy outside China.",
        "최적화: 모형이 원소별로 수요 {days}일분까지 비축을 더 사들일 수 있으며, 보관 비용(비축 "
        "표의 holding_rate)을 조달과 같은 예산에서 냅니다. 비축을 늘릴지, 중국 밖에서 더 살지를 "
        "답합니다.",
    ),
    "words.stock_table": (
        "the days in the dataset's stockpile table, by element",
        "데이터셋 비축 표의 원소별 일수",
    ),
    "words.stock_days": ("{days} days of each element's demand", "원소별 수요 {days}일분"),
    "words.stock_target": (
        "the stockpile table's days, raised to at least {days} days of each element's demand",
        "비축 표의 일수를 원소별 수요 최소 {days}일분으로 올린 양",
    ),
    "sidebar.stage_rule": ("Risk counted at", "위험 집계 기준"),
    "sidebar.stage_rule_help": (
        "Which stage's risk the objective counts for each element: its worst stage (a chain is "
        "as exposed as its most concentrated step; the EU and Korean targets hold at any stage), "
        "the sum over its stages, or one stage. Caps hold at every stage whatever this says.",
        "목표가 원소별로 어느 단계의 위험을 셀지 정합니다: 가장 취약한 단계(공급망은 가장 집중된 "
        "단계만큼 취약하며, EU와 한국의 목표는 모든 단계에 적용), 전 단계 합계, 또는 한 단계. "
        "상한은 이 설정과 관계없이 모든 단계에 적용됩니다.",
    ),
    "rule.worst": ("Worst stage of each element", "원소별 가장 취약한 단계"),
    "rule.sum": ("Sum over the stages", "전 단계 합계"),
    "rule.mine": ("Mine stage only", "채굴 단계만"),
    "rule.separation": ("Separation stage only", "분리 단계만"),
    "rule.metal": ("Metal stage only", "금속 단계만"),
    "rule.magnet": ("Magnet stage only", "자석 단계만"),
    "sidebar.year": ("Plants producing by (year, optional)", "가동 기준 연도 (선택)"),
    "sidebar.year_placeholder": ("operating plants only", "현재 가동 중인 공장만"),
    "sidebar.year_help": (
        "Also use plants under construction or planned whose first year of output is this year "
        "or earlier. Blank: operating plants only.",
        "건설 중이거나 계획된 공장 가운데 첫 생산 연도가 이 해 이전인 곳도 씁니다. 비우면 현재 "
        "가동 중인 공장만 씁니다.",
    ),
    "sidebar.elements": ("Elements in scope", "대상 원소"),
    "sidebar.elements_help": (
        "The elements optimized and shown; portfolio figures cover these only.",
        "최적화하고 보여 줄 원소입니다. 포트폴리오 수치는 이 원소들만 다룹니다.",
    ),
    "sidebar.more": ("More caps and minimums", "추가 상한과 최소 비중"),
    "sidebar.stage_blank": ("Blank: every stage.", "비우면 모든 단계."),
    "sidebar.cap_pct": ("Cap %", "상한 %"),
    "sidebar.caps_caption": (
        "Caps on suppliers (% of each element's demand; blank stage: every stage)",
        "공급자별 상한 (원소 수요 대비 %, 단계를 비우면 모든 단계)",
    ),
    "sidebar.element_caps_caption": (
        "Per-element overrides (replace the caps above for one element)",
        "원소별 예외 (한 원소에 대해 위 상한을 대체)",
    ),
    "sidebar.rows_ignored": (
        "{count} incomplete row(s) ignored: fill in every cell but the stage.",
        "미완성 행 {count}개는 무시됩니다: 단계를 뺀 모든 칸을 채우십시오.",
    ),
    "sidebar.hhi_cap": ("Cap on each element's HHI", "원소별 HHI 상한"),
    "sidebar.hhi_cap_help": (
        "A ceiling on every element's concentration (HHI, 0-1); 1 = no cap. Mostly useful with "
        "the least-cost objective.",
        "모든 원소의 집중도(HHI, 0-1)에 대한 상한입니다. 1 = 상한 없음. 주로 최소 비용 목표와 함께 "
        "씁니다.",
    ),
    "sidebar.no_worse": ("No element worse than today", "어떤 원소도 현재보다 나빠지지 않게"),
    "sidebar.no_worse_help": (
        "A portfolio objective may trade one element's risk for another's; with this on, no "
        "element's measure may rise above today's mix (where the budget cannot hold it, that is "
        "reported, not hidden).",
        "포트폴리오 목표는 한 원소의 위험을 다른 원소와 맞바꿀 수 있습니다. 이 설정을 켜면 어떤 "
        "원소의 지표도 현재 구성보다 높아질 수 없습니다(예산으로 지킬 수 없으면 숨기지 않고 "
        "알립니다).",
    ),
    "sidebar.weights": ("Element weights", "원소 가중치"),
    "sidebar.weights_help": (
        "How per-element risk and shares combine into the portfolio figures.",
        "원소별 위험과 비중을 포트폴리오 수치로 합칠 때의 가중 방식입니다.",
    ),
    "weights.value": ("Value of demand (t x price)", "수요 금액 (톤 x 가격)"),
    "weights.volume": ("Tonnes of demand", "수요 톤수"),
    "weights.equal": ("Every element equally", "모든 원소 동일"),
    "preset.none": ("None: set the controls yourself", "없음: 직접 설정"),
    "preset.stockpile-100": (
        "Stockpile target: at least 100 days of every element",
        "비축 목표: 모든 원소 최소 100일분",
    ),
    "preset.security": (
        "Security of supply: least disruption loss (CVaR 90%), stock sized in the budget",
        "공급 안보: 공급 중단 손실 최소화(CVaR 90%), 예산 안에서 비축 규모 결정",
    ),
    "preset.korea-2030": (
        "Korea 2030 strategy: no country above 50%, recycling 20%",
        "한국 2030 전략: 어떤 나라도 50% 초과 금지, 재활용 20%",
    ),
    "preset.eu-crma": (
        "EU CRMA style: no country above 65%",
        "EU 핵심원자재법 방식: 어떤 나라도 65% 초과 금지",
    ),
    "preset.forge-first": (
        "FORGE first: 25% from FORGE, China below 60%",
        "FORGE 우선: FORGE에서 25%, 중국 60% 미만",
    ),
    "sidebar.data": ("Data", "데이터"),
    "sidebar.upload": (
        "Your dataset (.xlsx, or a .zip of CSVs)",
        "내 데이터셋 (.xlsx 또는 CSV 묶음 .zip)",
    ),
    "sidebar.upload_help": (
        "Same tables and columns as the bundled data (download the blank template). A file with "
        "problems is listed and rejected; the current data and results stay. Your file is seen "
        "by your session only.",
        "기본 데이터와 같은 표와 열을 씁니다(빈 양식을 내려받으십시오). 문제가 있는 파일은 문제 "
        "목록과 함께 거부되며 현재 데이터와 결과는 유지됩니다. 올린 파일은 내 세션에서만 보입니다.",
    ),
    "sidebar.checking": ("Checking {name}…", "{name} 확인 중…"),
    "sidebar.rejected": (
        "{name} was not loaded: {count} problem(s) (listed on the page). Still using the data "
        "below.",
        "{name} 파일을 불러오지 못했습니다: 문제 {count}건(본문에 목록). 아래 데이터를 계속 "
        "씁니다.",
    ),
    "sidebar.use_bundled": ("Use the bundled data again", "기본 데이터로 돌아가기"),
    "sidebar.template": ("Blank dataset template (.xlsx)", "빈 데이터셋 양식 (.xlsx)"),
    "sidebar.bundled": ("bundled reference data", "기본 참조 데이터"),
    "sidebar.dataset": ("Dataset:", "데이터셋:"),
    "sidebar.as_of": ("As of", "기준일"),
    "sidebar.counts": (
        "{elements} elements · {suppliers} suppliers",
        "원소 {elements}종 · 공급자 {suppliers}곳",
    ),
    "sidebar.plants": ("{count} plants: {stages}", "공장 {count}곳: {stages}"),
    # --- overview ---------------------------------------------------------------------------
    "measure.hhi": ("HHI", "HHI"),
    "measure.wgi-hhi": ("governance-weighted HHI", "거버넌스 가중 HHI"),
    "measure.max-share": ("largest supplier's share", "최대 공급국 비중"),
    "measure.top3": ("top-3 suppliers' share", "상위 3개 공급국 비중"),
    "measure.cvar": ("CVaR of disruption loss", "공급 중단 손실의 CVaR"),
    "measure.worst-case": ("worst-case disruption loss", "최악의 공급 중단 손실"),
    "measure.expected-loss": ("expected disruption loss", "공급 중단 손실의 기댓값"),
    "measure.cost": ("cost", "비용"),
    "words.minimise_cost": ("Minimise cost", "비용 최소화"),
    "words.minimise": (
        "Minimise the {measure} within {budget}",
        "{budget} 안에서 {measure} 최소화",
    ),
    "words.budget_least": ("least cost + {premium}", "최소 비용 + {premium}"),
    "words.budget_equals": (" = {amount}/yr", " = 연 {amount}"),
    "words.budget_today": (
        "today's cost + {premium} = {amount}/yr",
        "현재 비용 + {premium} = 연 {amount}",
    ),
    "words.budget_absolute": ("an absolute budget of {amount}/yr", "절대 예산 연 {amount}"),
    "words.country_cap": ("no country above {share}", "어떤 나라도 {share} 초과 금지"),
    "words.of_element": ("{limit} of {element}", "{element}: {limit}"),
    "words.limit_at": ("{who} {sign} {share} at {stage}", "{stage} 단계 {who} {sign} {share}"),
    "words.recycled": ("recycled ≥ {share}", "재활용 ≥ {share}"),
    "words.risk_cap": ("each element's {measure} ≤ {value}", "원소별 {measure} ≤ {value}"),
    "words.rule_worst": ("risk at each element's worst stage", "원소별 가장 취약한 단계의 위험"),
    "words.rule_sum": ("risk summed over the stages", "전 단계 위험 합계"),
    "words.rule_stage": ("risk at the {stage} stage", "{stage} 단계의 위험"),
    "words.year": ("plants producing by {year}", "{year}년까지 가동하는 공장"),
    "words.stockpile_supplier": (
        "KOMIR's stockpile sells as a supplier",
        "KOMIR 비축분을 공급자로 취급",
    ),
    "words.elements": ("elements: {elements}", "원소: {elements}"),
    "words.preset": ("preset: {preset}", "사전 설정: {preset}"),
    "card.china_worst": (
        "China share, worst stage ({stage})",
        "중국 비중, 가장 취약한 단계 ({stage})",
    ),
    "card.china_at": ("China share at {stage}", "{stage} 단계 중국 비중"),
    "card.hhi_worst": ("Portfolio HHI (0-1)", "포트폴리오 HHI (0-1)"),
    "card.hhi_at": ("HHI at {stage} (0-1)", "{stage} 단계 HHI (0-1)"),
    "card.forge_worst": ("FORGE share", "FORGE 비중"),
    "card.forge_at": ("FORGE share at {stage}", "{stage} 단계 FORGE 비중"),
    "card.vs_today": ("vs today ({value})", "현재 대비 ({value})"),
    "card.vs_today_at": ("vs today ({value} at {stage})", "현재 대비 ({stage} 단계 {value})"),
    "card.cost": ("Cost of the optimized mix", "최적 구성 비용"),
    "card.vs_today_mix": ("vs today's mix", "현재 구성 대비"),
    "card.cost_help": (
        "Landed cost of the optimized tonnes, a year.",
        "최적 구성 물량의 연간 도착 비용입니다.",
    ),
    "card.least_cost": ("Least cost (same caps)", "최소 비용 (같은 상한)"),
    "card.above_least": ("optimized above it", "최적 구성이 더 쓰는 금액"),
    "card.least_cost_help": (
        "The cheapest mix meeting the same caps and minimums: the base of a premium budget.",
        "같은 상한과 최소 비중을 지키는 가장 싼 구성으로, 추가율 예산의 기준입니다.",
    ),
    "card.today_cost": ("Cost of today's mix", "현재 구성 비용"),
    "card.today_cost_help": (
        "Today's flows at the same landed prices: the base of a budget over today's cost.",
        "현재 물동량을 같은 도착 가격으로 계산한 값으로, 현재 비용 대비 예산의 기준입니다.",
    ),
    "card.budget": ("Budget limit", "예산 한도"),
    "card.no_budget": ("none", "없음"),
    "card.unspent": ("left unspent", "남은 예산"),
    "card.budget_help": (
        "The cost limit the policy sets (see the policy line above for what it is based on). "
        "The least-cost objective has no budget.",
        "정책이 정한 비용 한도입니다(무엇을 기준으로 했는지는 위 정책 문장 참조). 최소 비용 목표에는 "
        "예산이 없습니다.",
    ),
    "card.hhi_help": (
        "Herfindahl-Hirschman index of country shares per element at the stage, weighted across "
        "elements. 1 = a single country; lower is more diversified.",
        "단계별 원소의 국가 비중으로 구한 허핀달-허쉬만 지수를 원소 가중 평균한 값입니다. 1 = 한 "
        "나라, 낮을수록 분산되어 있습니다.",
    ),
    "card.china_help": (
        "China's share of what passes the stage, per element, weighted across elements. The "
        "worst stage is the one where that share is highest.",
        "단계를 지나는 물량 중 중국의 비중을 원소 가중 평균한 값입니다. 가장 취약한 단계는 이 "
        "비중이 가장 높은 단계입니다.",
    ),
    "card.forge_help": (
        "Share handled by FORGE members (including Korea's domestic sources), weighted across "
        "elements.",
        "FORGE 회원국(한국 국내 공급원 포함)이 맡는 비중을 원소 가중 평균한 값입니다.",
    ),
    "card.unmet": ("Unmet demand", "미충족 수요"),
    "card.of_demand": ("of {demand} demand", "수요 {demand} 중"),
    "card.unmet_help": (
        "Tonnes a year no allowed supplier can deliver under this policy.",
        "이 정책에서 허용된 어떤 공급자도 공급할 수 없는 연간 톤수입니다.",
    ),
    "overview.intro": (
        "Headline figures for the elements in scope. Changes are against **today's mix** (the "
        "dataset's flows today). Shares are of what passes a stage of the chain, combined across "
        "elements weighted by **{weights}**; costs are a year, what the mix pays the plants "
        "along the chain.",
        "대상 원소의 핵심 수치입니다. 변화는 **현재 구성**(데이터의 현재 물동량) 대비입니다. 비중은 "
        "공급망 한 단계를 지나는 물량 기준이며 **{weights}** 가중으로 원소를 합산합니다. 비용은 "
        "구성이 공급망의 공장들에 치르는 연간 금액입니다.",
    ),
    "overview.objective_line": (
        "Objective, {measure}: {optimized} optimized against {today} for today's mix.",
        "목표({measure}): 최적 구성 {optimized}, 현재 구성 {today}.",
    ),
    "overview.stock_first": (
        " Stockpile: {stock}, drawn only in a disruption.",
        " 비축: {stock}, 공급 중단 때만 씁니다.",
    ),
    "overview.stock_bought": (
        "The plan buys stock as well as sources: {elements}; holding the extra stock costs "
        "{cost} a year, inside the budget.",
        "이 계획은 공급원과 함께 비축도 사들입니다: {elements}. 늘린 비축의 보관 비용은 연 "
        "{cost}이며 예산에 포함됩니다.",
    ),
    "overview.stock_item": ("{element} to {days} days", "{element} {days}일분으로"),
    "overview.shortfall": (
        "**Not every requirement can be met under this policy.** While demand goes unmet no "
        "change above is coloured as good: shares are then of what arrives, and buying less "
        "can look more diversified and cheaper than it is.",
        "**이 정책으로는 모든 요구를 채울 수 없습니다.** 수요가 채워지지 않는 동안 위의 변화는 "
        "좋은 색으로 표시하지 않습니다. 비중이 도착 물량 기준이라 덜 사면 실제보다 더 분산되고 "
        "싸 보일 수 있기 때문입니다.",
    ),
    "overview.worse": (
        "**The optimized mix is worse than today's on:**",
        "**최적 구성이 현재 구성보다 나쁜 지표:**",
    ),
    "overview.worse_line": (
        "{measure}: {optimized} against {today} today",
        "{measure}: 최적 {optimized}, 현재 {today}",
    ),
    "overview.caps_not_met": (
        "**Risk caps no mix of the available supply can keep:**",
        "**가용 공급으로는 어떤 구성도 지킬 수 없는 위험 상한:**",
    ),
    "overview.above_today": (
        "**Elements above today's level** (today's ceiling could not hold them):",
        "**현재 수준을 넘는 원소** (현재 수준 상한을 지키지 못함):",
    ),
    "worse.hhi": ("HHI (higher)", "HHI (상승)"),
    "worse.wgi_hhi": ("governance-weighted HHI (higher)", "거버넌스 가중 HHI (상승)"),
    "worse.max_share": ("largest country share (higher)", "최대 국가 비중 (상승)"),
    "worse.top3_share": ("top-3 share (higher)", "상위 3개국 비중 (상승)"),
    "worse.china_share": ("China share (higher)", "중국 비중 (상승)"),
    "worse.forge_share": ("FORGE share (lower)", "FORGE 비중 (하락)"),
    "worse.unmet_t": ("unmet demand (more)", "미충족 수요 (증가)"),
    "worse.china_share_worst_stage": (
        "China share at the worst stage (higher)",
        "가장 취약한 단계의 중국 비중 (상승)",
    ),
    "overview.by_element": ("By element", "원소별"),
    "overview.by_element_at": ("By element at {stage}", "원소별 ({stage} 단계)"),
    "overview.by_stage": ("By stage", "단계별"),
    "overview.by_stage_note": (
        "Per stage, weighted over the elements whose chain has that stage. Each element's "
        "figures above are at the stage chosen, or at its own worst stage.",
        "단계별 수치는 그 단계가 있는 원소들로 가중한 값입니다. 위 원소별 수치는 고른 단계, 또는 "
        "원소마다 가장 취약한 단계 기준입니다.",
    ),
    "col.demand_t": ("Demand (t REO/yr)", "수요 (t REO/년)"),
    "col.china_today": ("China today (%)", "중국 현재 (%)"),
    "col.china_opt": ("China optimized (%)", "중국 최적 (%)"),
    "col.hhi_today": ("HHI today", "HHI 현재"),
    "col.hhi_opt": ("HHI optimized", "HHI 최적"),
    "col.forge_opt": ("FORGE optimized (%)", "FORGE 최적 (%)"),
    "col.cost_today": ("Cost today ({unit}/yr)", "현재 비용 ({unit}/년)"),
    "col.cost_opt": ("Cost optimized ({unit}/yr)", "최적 비용 ({unit}/년)"),
    "col.unmet_t": ("Unmet (t REO/yr)", "미충족 (t REO/년)"),
    # --- constraints ------------------------------------------------------------------------
    "constraints.intro": (
        "What each constraint of the policy costs at the margin: the change in the **least "
        "cost** (a year) and in the **objective** if the constraint were loosened by one "
        "percentage point (for the budget, one point of premium). A constraint is *binding* "
        "when loosening it would change the result; the explanations below are the "
        "optimizer's own.",
        "정책의 각 제약이 한계적으로 얼마의 비용을 치르게 하는지 보여 줍니다. 제약을 1퍼센트포인트"
        "(예산은 추가율 1포인트) 완화할 때 **최소 비용**(연간)과 **목표**가 얼마나 바뀌는지입니다. "
        "완화하면 결과가 바뀌는 제약을 *구속적*이라 합니다. 아래 설명은 최적화 엔진이 만든 "
        "문장입니다.",
    ),
    "constraints.binding": ("Binding constraints ({count})", "구속적 제약 ({count}개)"),
    "constraints.none_binding": (
        "No policy constraint is binding: each holds with room to spare at this result, and "
        "none has a price.",
        "구속적인 정책 제약이 없습니다. 모든 제약이 이 결과에서 여유 있게 지켜지며 가격이 붙은 "
        "제약도 없습니다.",
    ),
    "constraints.slack": (
        "{count} other constraint(s) hold with room to spare: their price is zero.",
        "다른 제약 {count}개는 여유 있게 지켜지며 가격은 0입니다.",
    ),
    "constraints.unpriced": (
        "{count} constraint(s) could not be priced exactly; the table says why in words.",
        "제약 {count}개는 정확한 가격을 낼 수 없었습니다. 이유는 표의 설명에 있습니다.",
    ),
    "constraints.all": ("All {count} policy constraints", "정책 제약 전체 {count}개"),
    "constraints.col_constraint": ("Constraint", "제약"),
    "constraints.col_on": ("On", "대상"),
    "constraints.col_setting": ("Setting", "설정값"),
    "constraints.col_binding": ("Binding", "구속적"),
    "constraints.col_cost": ("Least cost per point ({unit}/yr)", "포인트당 최소 비용 ({unit}/년)"),
    "constraints.col_risk": ("{measure} per point", "포인트당 {measure}"),
    "constraints.above_today": ("Above today's level", "현재 수준 초과"),
    "constraints.caps_not_met": ("Risk caps not met", "지키지 못한 위험 상한"),
    "constraints.shortfalls": ("Shortfalls", "공급 부족"),
    "constraints.no_shortfall": (
        "Every element's demand is met in full, and every bloc minimum is reached.",
        "모든 원소의 수요가 전부 충족되고 모든 블록 최소 비중도 달성됩니다.",
    ),
    "constraints.col_requirement": ("Requirement", "요구 사항"),
    "constraints.col_short_t": ("Short (t REO/yr)", "부족 (t REO/년)"),
    "constraints.col_short_share": ("Short (% of demand)", "부족 (수요 대비 %)"),
    "constraints.col_cause": ("Cause", "원인"),
    # --- supply chain -----------------------------------------------------------------------
    "chain.intro": (
        "How each mix moves through the chain, **today** beside **optimized**: a box per country "
        "and stage (mine, separation, metal, magnet) and one for Korea, links as wide as the "
        "tonnes of rare-earth oxide equivalent a year (t REO/yr) that move along them, coloured "
        "by the country they leave. A link that skips a stage is material whose plant also does "
        "that step.",
        "각 구성이 공급망을 어떻게 흐르는지 **현재**와 **최적**을 나란히 보여 줍니다. 나라와 "
        "단계(채굴, 분리, 금속, 자석)마다 상자 하나, 한국에 상자 하나가 있고, 연결선의 굵기는 그 "
        "경로로 움직이는 연간 희토류 산화물 환산 톤(t REO/년)이며 색은 출발 국가를 나타냅니다. "
        "단계를 건너뛰는 연결선은 같은 공장이 그 단계도 수행하는 물량입니다.",
    ),
    "chain.empty": ("No flows in this mix for {what}.", "이 구성에는 {what}의 흐름이 없습니다."),
    "chain.note": (
        "Hover a link for its tonnes; drag a box to untangle the view.",
        "연결선에 마우스를 올리면 톤수가 보입니다. 상자를 끌어 배치를 정리할 수 있습니다.",
    ),
    # --- charts -----------------------------------------------------------------------------
    "chart.of_demand_hover": ("%{y:.1f}% of demand", "수요의 %{y:.1f}%"),
    "chart.share_axis": ("share of demand (%)", "수요 대비 비중 (%)"),
    "chart.frontier_line": ("Least risk at each budget", "예산별 최소 위험"),
    "chart.frontier_hover": (
        "Cost {x} M USD/yr (+{premium}% over least cost)",
        "비용 연 {x} M USD (최소 비용 대비 +{premium}%)",
    ),
    "chart.china_hover": ("China share {share}%", "중국 비중 {share}%"),
    "chart.current_solution": ("Current solution", "현재 해"),
    "chart.chosen_point": ("Chosen point", "선택한 점"),
    "chart.frontier_x": ("cost of the mix (M USD/yr, landed)", "구성 비용 (연 M USD, 도착 기준)"),
    "chart.sweep": ("Sweep", "스윕"),
    "chart.status": ("status", "상태"),
    "chart.not_met": ("Demand or a minimum not fully met", "수요 또는 최소 비중 미충족"),
    "chart.current_policy": ("Current policy", "현재 정책"),
    "status.optimal": ("optimal", "최적"),
    "status.shortfall": ("shortfall", "공급 부족"),
    "status.invalid": ("invalid", "무효"),
    "bloc.FORGE": ("FORGE partner", "FORGE 협력국"),
    "bloc.FTA": ("Korea FTA partner", "한국 FTA 상대국"),
    "bloc.ASEAN": ("ASEAN member", "ASEAN 회원국"),
    "palette.legend": ("blue: less than today, orange: more", "파랑: 현재보다 적음, 주황: 많음"),
    "map.unit_share": ("% of supply", "공급 대비 %"),
    "map.not_supplier": ("not a supplier in this dataset", "이 데이터셋의 공급자가 아님"),
    "map.hover_capacity": (
        "Capacity at {stage}: {capacity} t/yr · adds {cost} USD/kg",
        "{stage} 단계 능력: 연 {capacity} t · 추가 비용 {cost} USD/kg",
    ),
    "map.hover_risk": (
        "Governance risk {risk}/10 · lead time {days} days",
        "거버넌스 위험 {risk}/10 · 조달 기간 {days}일",
    ),
    "map.hover_supplies": ("Optimized supplies: {what}", "최적 구성 공급: {what}"),
    "map.hit_by": ("Hit by {name}", "{name}의 영향"),
    "map.korea_buyer": ("Korea (buyer)", "한국 (구매국)"),
    "map.legend_log": ("{unit}, log scale", "{unit}, 로그 척도"),
    "map.legend_linear": ("{unit}, linear scale", "{unit}, 선형 척도"),
    # --- partner map --------------------------------------------------------------------------
    "map.intro": (
        "Where Korea's rare earths come from, by country, at one stage of the chain (mining, "
        "separation, metal, magnets). Switch between **today's** mix, the **optimized** one and "
        "the **change**; hover any country for its tonnes, share, cost, capacity at the stage, "
        "governance risk and lead time. Symbols mark FORGE, FTA and ASEAN partners (see the "
        "legend); the camera button above the map saves it as a PNG.",
        "한국의 희토류가 공급망의 한 단계(채굴, 분리, 금속, 자석)에서 어느 나라에서 오는지 "
        "보여 줍니다. **현재** 구성, **최적** 구성, **변화**를 바꿔 볼 수 있고, 나라에 마우스를 "
        "올리면 톤수, 비중, 비용, 그 단계의 능력, 거버넌스 위험, 조달 기간이 보입니다. 기호는 "
        "FORGE, FTA, ASEAN 협력국을 나타냅니다(범례 참조). 지도 위 카메라 단추로 PNG 파일로 "
        "저장할 수 있습니다.",
    ),
    "map.mix": ("Mix", "구성"),
    "map.measure": ("Measure", "지표"),
    "map.m_tonnes": ("Tonnes", "톤수"),
    "map.m_share": ("Share", "비중"),
    "map.m_value": ("Value", "금액"),
    "map.flows": ("Flows into Korea", "한국으로의 흐름"),
    "map.region": ("View", "보기"),
    "map.r_east_asia": ("East Asia", "동아시아"),
    "map.r_world": ("World", "세계"),
    "map.scale": ("Colour scale", "색 척도"),
    "map.s_log": ("Log", "로그"),
    "map.s_linear": ("Linear", "선형"),
    "map.only": ("{element} only", "{element}만"),
    "map.note_tonnes": (
        "t REO per year through its {stage} plants",
        "{stage} 공장을 거치는 연간 t REO",
    ),
    "map.note_share": (
        "share of what passes the {stage} stage, per element",
        "{stage} 단계를 지나는 물량 중 비중(원소별)",
    ),
    "map.note_weighted": (
        ", weighted across elements as the Overview's stage figures",
        ", 개요 탭의 단계별 수치처럼 원소 가중",
    ),
    "map.note_value": (
        "what the mix pays its plants a year, all stages",
        "구성이 그 나라 공장들에 치르는 연간 금액(전 단계)",
    ),
    "map.shading": ("Shading: {mix} mix, {note} ({scope}).", "색: {mix} 구성, {note} ({scope})."),
    "map.scale_note_log": (
        "Log colour scale, so small partners show beside China; the legend is in real values.",
        "작은 협력국도 중국 옆에서 보이도록 로그 색 척도를 씁니다. 범례는 실제 값입니다.",
    ),
    "map.scale_note_linear": ("Linear colour scale.", "선형 색 척도입니다."),
    "map.change_note": (
        "Change = optimized minus today; blue: less than today, orange: more (the same colours "
        "on the flows and in the Scenarios tab). ",
        "변화 = 최적 - 현재. 파랑은 현재보다 적음, 주황은 많음입니다(흐름선과 시나리오 탭도 같은 "
        "색). ",
    ),
    "map.flow_note": ("Flow width ∝ tonnes. ", "흐름선 굵기 ∝ 톤수. "),
    "map.flow_legend": ("Flow width (t REO/yr)", "흐름선 굵기 (연간 t REO)"),
    "map.flow_width": ("{tonnes} t", "{tonnes} t"),
    "map.flow_width_change": ("±{tonnes} t", "±{tonnes} t"),
    "map.hover_note": (
        "Bloc symbols and labels never block the hover of the country beneath.",
        "블록 기호와 이름표는 아래 나라의 마우스 정보 표시를 가리지 않습니다.",
    ),
    "map.boundaries": ("Boundaries at 1:110m; no microstates.", "경계 1:110m, 초소형 국가 제외."),
    "map.domestic": (
        "**Domestic sources** (no shape on the map)",
        "**국내 공급원** (지도에 모양 없음)",
    ),
    "map.col_source": ("Source", "공급원"),
    "map.col_opt_ty": ("Optimized (t/yr)", "최적 (t/년)"),
    "map.col_today_ty": ("Today (t/yr)", "현재 (t/년)"),
    "map.domestic_total": ("Domestic total ({mix}): {value}", "국내 합계 ({mix}): {value}"),
    "map.partners": ("Partners", "협력국"),
    "map.col_partner": ("Partner", "협력국"),
    "map.col_blocs": ("Blocs", "블록"),
    "map.col_opt_share": ("Optimized share (%)", "최적 비중 (%)"),
    "map.col_capacity": ("Capacity at {stage} (t/yr)", "{stage} 단계 능력 (t/년)"),
    "map.col_cost": ("Cost added at {stage} (USD/kg)", "{stage} 단계 추가 비용 (USD/kg)"),
    "map.col_wgi": ("Governance risk (0-10)", "거버넌스 위험 (0-10)"),
    "map.col_lead": ("Lead time (days)", "조달 기간 (일)"),
    "map.col_supplies": ("Optimized supplies", "최적 구성 공급"),
    "map.scope_all": ("the elements in scope", "대상 원소"),
    "map.scenario_hits": (
        "**Red outlines and rings: suppliers of {scope} hit by {scenario}** (chosen on the "
        "Scenarios tab; {days} days, {probability} a year). {who}.",
        "**빨간 윤곽선과 고리: {scenario}의 영향을 받는 {scope} 공급자** (시나리오 탭에서 선택, "
        "{days}일, 연 {probability}). {who}.",
    ),
    "map.off_map": ("Without a shape on the map: {names}.", "지도에 모양이 없는 곳: {names}."),
    "map.scenario_none": (
        "{scenario} (chosen on the Scenarios tab) hits no supplier of {scope}, so nothing is "
        "marked.",
        "{scenario}(시나리오 탭에서 선택)는 {scope}의 공급자에게 영향이 없어 표시할 것이 없습니다.",
    ),
    "map.clear": ("Clear", "지우기"),
    "col.today_t": ("Today (t REO/yr)", "현재 (t REO/년)"),
    "col.optimized_t": ("Optimized (t REO/yr)", "최적 (t REO/년)"),
    "col.change_t": ("Change (t REO/yr)", "변화 (t REO/년)"),
    "col.today_money": ("Today ({unit}/yr)", "현재 ({unit}/년)"),
    "col.optimized_money": ("Optimized ({unit}/yr)", "최적 ({unit}/년)"),
    "col.change_money": ("Change ({unit}/yr)", "변화 ({unit}/년)"),
    # --- allocation ---------------------------------------------------------------------------
    "alloc.intro": (
        "Each element's mix **today** (left bar) and **optimized** (right bar) at one stage of "
        "the chain, by the country whose plants do that step. Shares are of the element's "
        "demand passing the stage; hover for tonnes of rare-earth oxide equivalent per year "
        "(t REO/yr).",
        "공급망 한 단계에서 원소별 **현재**(왼쪽 막대)와 **최적**(오른쪽 막대) 구성을 그 공정을 "
        "수행하는 나라별로 보여 줍니다. 비중은 그 단계를 지나는 원소 수요 기준이며, 마우스를 "
        "올리면 연간 희토류 산화물 환산 톤(t REO/년)이 보입니다.",
    ),
    "alloc.bar_height": ("Bar height", "막대 높이"),
    "alloc.u_share": ("% of demand", "수요 대비 %"),
    "alloc.elements": ("Elements", "원소"),
    "alloc.elements_help": (
        "Which elements to show in the chart and the table.",
        "도표와 표에 보여 줄 원소입니다.",
    ),
    "alloc.no_stage": (
        "No element chosen has a {stage} stage in its chain.",
        "고른 원소 중 공급망에 {stage} 단계가 있는 원소가 없습니다.",
    ),
    "alloc.table": ("Allocation table", "배분 표"),
    "alloc.col_today_share": ("Today (% of demand)", "현재 (수요 대비 %)"),
    "alloc.col_opt_share": ("Optimized (% of demand)", "최적 (수요 대비 %)"),
    "alloc.col_change_pp": ("Change (pp)", "변화 (pp)"),
    "alloc.col_paid_kg": ("Paid at the stage (USD/kg)", "단계에서 지불 (USD/kg)"),
    "alloc.plants": ("Every plant of the optimized mix", "최적 구성의 모든 공장"),
    "alloc.col_form": ("Puts out", "산출 형태"),
    "alloc.col_plant": ("Plant", "공장"),
    "alloc.col_share_stage": ("Share at the stage (%)", "단계 내 비중 (%)"),
    "alloc.col_adds": ("Adds (USD/kg)", "추가 비용 (USD/kg)"),
    "alloc.col_paid": ("Paid ({unit}/yr)", "지불 ({unit}/년)"),
    # --- scenarios ----------------------------------------------------------------------------
    "stress.intro": (
        "What each **disruption scenario** in the dataset does to **today's mix** and the "
        "**optimized** one: the oxide that stops arriving over the scenario's duration, its "
        "value, and what spare capacity elsewhere and the stockpile (**{stock}**, set in the "
        "sidebar) can cover. Scenario figures are estimates; see the dataset's "
        "scenarios table.",
        "데이터의 각 **공급 중단 시나리오**가 **현재 구성**과 **최적 구성**에 미치는 영향입니다. "
        "시나리오 기간 동안 들어오지 않는 산화물과 그 가치, 다른 공급자의 여유 능력과 비축분"
        "(**{stock}**, 사이드바에서 설정)으로 메울 수 있는 양을 보여 줍니다. 시나리오 수치는 "
        "추정치입니다(데이터의 scenarios 표 참조).",
    ),
    "stress.no_scenarios": (
        "This dataset has no scenarios table, so there is nothing to stress-test.",
        "이 데이터셋에는 시나리오 표가 없어 스트레스 시험을 할 수 없습니다.",
    ),
    "stress.one": ("One scenario", "시나리오 하나 자세히"),
    "stress.mc": ("Monte Carlo: random supplier outages", "몬테카를로: 무작위 공급 중단"),
    "stress.m_short_share": ("Share short", "부족 비중"),
    "stress.m_short_t": ("Tonnes short", "부족 톤수"),
    "stress.m_value_at_risk": ("Value at risk", "위험 금액"),
    "stress.m_uncovered": ("Uncovered", "미보전"),
    "stress.w_short_share": (
        "the share of the element's demand over the scenario's duration that does not arrive",
        "시나리오 기간 동안 원소 수요 중 들어오지 않는 비중",
    ),
    "stress.w_short_t": (
        "tonnes of oxide that do not arrive over the scenario's duration",
        "시나리오 기간 동안 들어오지 않는 산화물 톤수",
    ),
    "stress.w_value_at_risk": (
        "the tonnes short at the element's price",
        "부족 톤수에 원소 가격을 곱한 금액",
    ),
    "stress.w_uncovered": (
        "tonnes still missing after spare capacity of unaffected suppliers (cheapest first) and "
        "the stockpile are drawn",
        "영향받지 않은 공급자의 여유 능력(싼 것부터)과 비축분을 쓴 뒤에도 모자라는 톤수",
    ),
    "stress.u_share": ("% of demand", "수요 대비 %"),
    "stress.u_pp": ("pp of demand", "수요 대비 pp"),
    "stress.v_both": ("Today and optimized", "현재와 최적"),
    "stress.v_baseline": ("Today", "현재"),
    "stress.v_optimized": ("Optimized", "최적"),
    "stress.v_change": ("Change", "변화"),
    "stress.minus": ("Optimized minus today", "최적 - 현재"),
    "stress.note": ("{probability} a year · {days} days", "연 {probability} · {days}일"),
    "stress.caption": (
        "**{label}** ({unit}): {words}. Rows: scenarios (probability a year as given in the "
        "data, duration); columns: elements in scope. Blank cells: the scenario leaves the "
        "element whole.",
        "**{label}** ({unit}): {words}. 행은 시나리오(데이터에 주어진 연간 확률, 기간), 열은 대상 "
        "원소입니다. 빈 칸은 그 시나리오가 원소에 영향을 주지 않는다는 뜻입니다.",
    ),
    "stress.change_note": (
        "Change = optimized minus today; blue: less short than today, orange: more (the one "
        "palette of the app).",
        "변화 = 최적 - 현재. 파랑은 현재보다 덜 부족, 주황은 더 부족입니다(앱 전체에서 같은 색).",
    ),
    "stress.stock_note": (
        "Stock: {stock}.",
        "비축: {stock}.",
    ),
    "stress.scenario": ("Scenario", "시나리오"),
    "stress.choose": ("Choose a scenario…", "시나리오를 고르십시오…"),
    "stress.scenario_help": (
        "Lists what the scenario is, what it does to each element, and marks the suppliers it "
        "hits on the Partner map.",
        "시나리오의 내용과 원소별 영향을 보여 주고, 협력국 지도에 영향받는 공급자를 표시합니다.",
    ),
    "stress.choose_note": (
        "Choose a scenario to see its stress table; the Partner map then marks the suppliers it "
        "hits.",
        "시나리오를 고르면 스트레스 표가 보이고, 협력국 지도에 영향받는 공급자가 표시됩니다.",
    ),
    "stress.hits_none": (
        "none of the suppliers of the elements in scope",
        "대상 원소의 공급자 중 해당 없음",
    ),
    "stress.detail": (
        "Probability **{probability}** a year (as given in the data) · duration **{days} days** "
        "· hits: {who}.",
        "확률 연 **{probability}**(데이터 값) · 기간 **{days}일** · 영향: {who}.",
    ),
    "stress.badge_note": (
        "Optimized mix, summed over the elements in scope for the scenario's duration; the "
        "badge is the change against today's mix.",
        "최적 구성을 시나리오 기간 동안 대상 원소에 대해 합한 값이며, 표시는 현재 구성 대비 "
        "변화입니다.",
    ),
    "stress.optimized_label": ("{label}, optimized", "{label}, 최적"),
    "stress.today_value": ("today {value}", "현재 {value}"),
    "stress.k_short_t": ("Tonnes short", "부족 톤수"),
    "stress.k_value_at_risk_usd": ("Value at risk", "위험 금액"),
    "stress.k_fill_premium_usd": ("Refill premium", "보충 추가 비용"),
    "stress.k_uncovered_t": ("Uncovered", "미보전"),
    "stress.h_short_t": (
        "Oxide that does not arrive over the scenario's duration (t REO).",
        "시나리오 기간 동안 들어오지 않는 산화물(t REO)입니다.",
    ),
    "stress.h_value_at_risk_usd": (
        "The tonnes short at each element's price.",
        "부족 톤수에 원소별 가격을 곱한 금액입니다.",
    ),
    "stress.h_fill_premium_usd": (
        "What refilling the gap from unaffected suppliers' spare capacity (cheapest first) costs "
        "above what the lost tonnes would have cost; negative when the refill is cheaper.",
        "영향받지 않은 공급자의 여유 능력(싼 것부터)으로 부족분을 채울 때 잃은 물량의 원래 비용보다 "
        "더 드는 금액입니다. 보충이 더 싸면 음수입니다.",
    ),
    "stress.h_uncovered_t": (
        "Tonnes still missing after spare capacity and the stockpile are drawn.",
        "여유 능력과 비축분을 쓴 뒤에도 모자라는 톤수입니다.",
    ),
    "stress.whole": (
        "{scenario} leaves every element of this mix whole.",
        "{scenario}는 이 구성의 어떤 원소에도 영향을 주지 않습니다.",
    ),
    "stress.c_short_t": ("Short (t REO)", "부족 (t REO)"),
    "stress.c_days": ("Stock days needed", "필요 비축 일수"),
    "stress.c_spare": ("Spare fill (t REO)", "여유 능력 보충 (t REO)"),
    "stress.c_fill": ("Fill premium (USD)", "보충 추가 비용 (USD)"),
    "stress.c_uncovered": ("Uncovered (t REO)", "미보전 (t REO)"),
    "stress.table_note": (
        "Over the scenario's duration. Stock days needed: days of the element's demand the "
        "stockpile must hold to bridge the gap. Spare fill: what unaffected suppliers' spare "
        "capacity could deliver, cheapest first; fill premium: its cost above what the lost "
        "tonnes would have cost. Uncovered: left after spare fill and the stockpile ({stock}). The **Partner map** now marks the suppliers this scenario hits.",
        "시나리오 기간 기준입니다. 필요 비축 일수: 부족분을 메우려면 비축해야 하는 원소 수요 "
        "일수. 여유 능력 보충: 영향받지 않은 공급자의 여유 능력으로 공급할 수 있는 양(싼 것부터). "
        "보충 추가 비용: 잃은 물량의 원래 비용보다 더 드는 금액. 미보전: 보충과 비축({stock})을 쓴 "
        "뒤 남는 부족분. **협력국 지도**에 이 시나리오의 영향을 받는 공급자가 표시됩니다.",
    ),
    "stress.clear": ("Clear the scenario from the map", "지도에서 시나리오 지우기"),
    "mc.intro": (
        "Years drawn from the same disruption library as the table above: each event begins "
        "in a year with its own probability, independently of the others, and lasts a "
        "duration drawn from its range. The table gives the tonnes short a year per element "
        "before the stockpile; the value lost is after it (with the refill premium on what "
        "was drawn), for today's mix and the optimized one with its stock.",
        "위 표와 같은 공급 중단 목록에서 연도를 뽑습니다. 각 사건은 저마다의 확률로 서로 독립적으로 "
        "한 해에 일어나고, 그 범위 안에서 뽑은 기간 동안 이어집니다. 표는 비축을 쓰기 전 원소별 "
        "연간 부족 톤수이고, 손실 금액은 비축을 쓴 뒤(꺼내 쓴 양의 재충전 할증 포함)의 값입니다. "
        "현재 구성과 최적 구성(그 비축과 함께)을 보여 줍니다.",
    ),
    "mc.samples": ("Samples (years)", "표본 수 (연)"),
    "mc.samples_help": (
        "Simulated years; 1,000 to {most}. The standard error shrinks with the square root of "
        "the samples.",
        "모의 연도 수이며 1,000부터 {most}까지입니다. 표준오차는 표본 수의 제곱근에 비례해 "
        "줄어듭니다.",
    ),
    "mc.seed": ("Seed", "난수 시드"),
    "mc.seed_help": ("Same seed, same draws.", "시드가 같으면 같은 표본이 나옵니다."),
    "mc.run": ("Run Monte Carlo", "몬테카를로 실행"),
    "mc.on_demand": (
        "Runs on demand (about 0.1 s for 20,000 samples); results are kept.",
        "요청할 때 실행합니다(표본 20,000개에 약 0.1초). 결과는 보관됩니다.",
    ),
    "mc.simulating": ("Simulating…", "모의실험 중…"),
    "mc.shown": (
        "Shown: {samples} samples, seed {seed}. Press Run to use the new settings.",
        "표시 중: 표본 {samples}개, 시드 {seed}. 새 설정을 쓰려면 실행을 누르십시오.",
    ),
    "mc.table_title": ("**{mix}**: tonnes short a year", "**{mix}**: 연간 부족 톤수"),
    "mc.value_title": (
        "**Value lost a year** (tonnes short after the stockpile at each element's price, "
        "plus the refill premium on what was drawn)",
        "**연간 손실 금액** (비축을 쓴 뒤 부족 톤수 x 원소 가격, 꺼내 쓴 양의 재충전 할증 포함)",
    ),
    "mc.statistic": ("Statistic", "통계량"),
    "mc.s_mean": ("Mean", "평균"),
    "mc.s_p50": ("Median (p50)", "중앙값 (p50)"),
    "mc.s_p90": ("p90", "p90 (90백분위)"),
    "mc.s_p99": ("p99", "p99 (99백분위)"),
    "why.plan_cap_capacity": (
        "{element} at {stage} in {year}: {holder} keeps {value}, above the {limit} target; "
        "plants outside {holder} can put through at most {others} t of the {need} t needed "
        "({share}), even with every eligible project backed",
        "{year}년 {stage} 단계의 {element}: {holder} 비중이 {value}로 목표 {limit}을 넘습니다. "
        "적격 사업을 모두 지원해도 {holder} 밖의 공장은 필요한 {need} t 중 최대 {others} t"
        "({share})만 처리할 수 있습니다",
    ),
    "why.plan_cap_routes": (
        "{element} at {stage} in {year}: {holder} keeps {value}, above the {limit} target; "
        "plants outside {holder} could put through {others} t of the {need} t needed, but the "
        "routes from them to Korea (the feeds) or the plants after them in the chain cannot "
        "carry it",
        "{year}년 {stage} 단계의 {element}: {holder} 비중이 {value}로 목표 {limit}을 넘습니다. "
        "{holder} 밖의 공장이 필요한 {need} t 중 {others} t를 처리할 수 있지만, 그 공장에서 "
        "한국으로 가는 경로(공급 규칙)나 공급망의 다음 공장이 그 물량을 나르지 못합니다",
    ),
    "why.plan_left_missing": (
        "its plant is not in the plants table: add plants, capacity and feeds rows for it",
        "공장이 plants 표에 없습니다: 이 공장의 plants, capacity, feeds 행을 추가하십시오",
    ),
    "why.plan_left_no_rows": (
        "its plant has no capacity rows: add them (and feeds) so material can reach it",
        "공장에 capacity 행이 없습니다: 원료가 닿도록 capacity 행(과 feeds)을 추가하십시오",
    ),
    "why.plan_recycled": (
        "{element}: recycled {value} in {year}, below the {limit} target; recycling can supply "
        "at most {rec} t of the {need} t needed ({share})",
        "{element}: {year}년 재활용 비중이 {value}로 목표 {limit}에 못 미칩니다. 재활용으로는 "
        "필요한 {need} t 중 최대 {rec} t({share})만 공급할 수 있습니다",
    ),
    "mc.s_cvar90": ("CVaR 90% (mean of the worst 10% of years)", "CVaR 90% (최악 10% 연도의 평균)"),
    "mc.value_note": (
        "{samples} simulated years, seed {seed}. Mean ± s.e.: the sample mean and its standard "
        "error; exact mean: the same mean computed from the probabilities directly (a check on "
        "the sampling). p50/p90/p99: the level not exceeded in 50/90/99% of years. P(any "
        "shortfall): share of years in which the element is short at all.",
        "모의 {samples}년, 시드 {seed}. 평균 ± 표준오차: 표본 평균과 그 표준오차. 정확한 평균: 같은 "
        "평균을 확률로 직접 계산한 값(표본 점검용). p50/p90/p99: 50/90/99%의 해에서 넘지 않는 수준. "
        "P(부족 발생): 원소가 조금이라도 부족한 해의 비율.",
    ),
    "mc.c_mean": ("Mean (t/yr)", "평균 (t/년)"),
    "mc.c_se": ("± s.e. (t/yr)", "± 표준오차 (t/년)"),
    "mc.c_exact": ("Exact mean (t/yr)", "정확한 평균 (t/년)"),
    "mc.c_prob": ("P(any shortfall) (%)", "P(부족 발생) (%)"),
    # --- exposure: time to survive and time to recover ----------------------------------------
    "exposure.title": ("Time to survive and time to recover", "생존 기간과 복구 기간"),
    "exposure.intro": (
        "For every plant, every country at each stage and every country as a whole that the mix "
        "uses: if it stopped, how many days would the stockpile and spare capacity elsewhere "
        "keep Korea supplied (**time to survive**), against how long it takes to deliver again "
        "(**time to recover**, from the dataset's recovery table)? Where survival is shorter, "
        "Korea runs out before the node is back: those nodes are listed first, by the value of "
        "what would be missing.",
        "혼합 구성이 쓰는 모든 공장, 단계별 국가, 국가 전체에 대해 묻습니다. 그 노드가 멈추면 "
        "비축과 다른 곳의 여유 설비로 며칠 동안 한국의 수요를 댈 수 있는가(**생존 기간**), "
        "그리고 그 노드가 다시 공급하기까지 며칠이 걸리는가(**복구 기간**, 데이터의 복구 표)? "
        "생존 기간이 더 짧으면 노드가 돌아오기 전에 한국의 재고가 바닥납니다. 그런 노드를 "
        "모자라는 물량의 가치가 큰 순서로 먼저 보여 줍니다.",
    ),
    "exposure.explain": (
        "Time to survive (TTS): days Korea meets demand from its stockpile and the rest of the "
        "network if the node stops. Time to recover (TTR): days the node takes to deliver as "
        "before. Exposed: TTS shorter than TTR.",
        "생존 기간(TTS): 노드가 멈출 때 비축과 나머지 공급망으로 한국이 수요를 채우는 일수. "
        "복구 기간(TTR): 노드가 예전처럼 다시 공급하기까지 걸리는 일수. 취약: TTS가 TTR보다 "
        "짧은 경우.",
    ),
    "exposure.qualified": ("Replacement from", "대체 공급 경로"),
    "exposure.q_mix": ("suppliers the mix already uses", "이미 쓰는 공급자만"),
    "exposure.q_network": ("every plant in the network", "공급망의 모든 공장"),
    "exposure.qualified_help": (
        "Which routes may make up for a stopped node. Suppliers the mix already uses (the "
        "default): qualifying a new supplier takes longer than most disruptions last. Every "
        "plant: what suppliers qualified in advance could do.",
        "멈춘 노드를 어떤 경로가 대신할 수 있는지 정합니다. 이미 쓰는 공급자만(기본값): 새 "
        "공급자를 승인하는 데는 대부분의 공급 차질보다 오랜 시간이 걸립니다. 모든 공장: 미리 "
        "승인해 둔 공급자로 할 수 있는 것.",
    ),
    "exposure.cli_title": (
        "Exposure of {mix}: replacement from {qualified}; stock as held per element",
        "{mix}의 취약성: 대체 공급은 {qualified}; 원소별 보유 비축 기준",
    ),
    "exposure.cli_shown": (
        "{shown} of {total} exposed node and element pairs, largest value at risk first",
        "취약한 노드·원소 {total}개 중 {shown}개, 위험 가치가 큰 순서",
    ),
    "exposure.none_exposed": (
        "No node is exposed: wherever Korea would run short, the node recovers first.",
        "취약한 노드가 없습니다. 한국이 부족해지는 모든 경우에 노드가 먼저 복구됩니다.",
    ),
    "exposure.cli_wrote": ("wrote {path}", "저장함: {path}"),
    "exposure.never": ("never", "부족 없음"),
    "exposure.not_used": ("not used", "사용 안 함"),
    "exposure.unknown": ("unknown", "알 수 없음"),
    "exposure.t_plant": ("plant", "공장"),
    "exposure.t_country-stage": ("country at a stage", "단계별 국가"),
    "exposure.t_country": ("country", "국가 전체"),
    "exposure.c_node": ("Node", "노드"),
    "exposure.c_type": ("Kind", "종류"),
    "exposure.c_element": ("Element", "원소"),
    "exposure.c_share": ("Share of demand (%)", "수요 대비 (%)"),
    "exposure.c_short": ("Short (t/yr)", "부족 (t/년)"),
    "exposure.c_tts": ("TTS (days)", "TTS (일)"),
    "exposure.c_ttr": ("TTR (days)", "TTR (일)"),
    "exposure.c_uncovered": ("Days uncovered", "부족 일수"),
    "exposure.c_value": ("Value at risk ({unit})", "위험 가치 ({unit})"),
    "exposure.c_value_usd": ("Value at risk (USD)", "위험 가치 (USD)"),
    "exposure.c_tts_mix": ("TTS {mix} (days)", "TTS {mix} (일)"),
    "exposure.c_value_mix": ("Value at risk {mix} (USD)", "위험 가치 {mix} (USD)"),
    "exposure.table_title": (
        "**{mix}**: nodes where Korea runs out before the node recovers",
        "**{mix}**: 노드가 복구되기 전에 한국의 재고가 바닥나는 곳",
    ),
    "exposure.none": (
        "No node of this mix is exposed: wherever Korea would run short, the node recovers first.",
        "이 구성에는 취약한 노드가 없습니다. 부족해지는 모든 경우에 노드가 먼저 복구됩니다.",
    ),
    "exposure.chart_title": (
        "Time to survive against time to recover, the {count} most exposed",
        "생존 기간과 복구 기간: 가장 취약한 {count}곳",
    ),
    "exposure.chart_days": ("days", "일"),
    "exposure.chart_tts": ("Time to survive, {mix}", "생존 기간, {mix}"),
    "exposure.chart_ttr": ("Time to recover", "복구 기간"),
    "exposure.chart_never": ("never short", "부족 없음"),
    "exposure.caption": (
        "Stock: the days of each element's demand held in Korea's stockpile. A node that the "
        "rest of the network can replace in full is never short (no bar). A node not used by a "
        "mix has no bar for it. Times to recover come from the dataset's recovery table (its "
        "source and status are in the Excel export's exposure sheet); a node the table does not "
        "describe is never called exposed.",
        "비축: 원소별 한국 비축량을 수요 일수로 나타낸 값. 나머지 공급망이 완전히 대신할 수 있는 "
        "노드는 부족이 없습니다(막대 없음). 어떤 구성이 쓰지 않는 노드도 그 구성의 막대가 "
        "없습니다. 복구 기간은 데이터의 복구 표에서 가져오며(출처와 상태는 엑셀 내보내기의 "
        "exposure 시트), 표에 없는 노드는 취약으로 표시하지 않습니다.",
    ),
    # --- sensitivity --------------------------------------------------------------------------
    "sens.intro": (
        "How the result moves when one or two policy settings move: each grid point is the "
        "current policy with those settings changed, re-solved on one built model. One "
        "parameter draws a line, two a heatmap; the star is the current policy. Sweeps run on "
        "demand.",
        "정책 설정 한두 개가 바뀔 때 결과가 어떻게 움직이는지 보여 줍니다. 격자점마다 현재 정책에서 "
        "그 설정만 바꿔 한 번 만든 모형으로 다시 풉니다. 설정 하나는 선, 둘은 열지도로 그리며 별은 "
        "현재 정책입니다. 스윕은 요청할 때 실행합니다.",
    ),
    "sens.none": (
        "No sweep parameter applies to this policy.",
        "이 정책에 쓸 수 있는 스윕 변수가 없습니다.",
    ),
    "sens.p_china_cap": ("China cap", "중국 상한"),
    "sens.p_budget_premium": ("Budget premium over least cost", "최소 비용 대비 예산 추가율"),
    "sens.p_country_cap": ("Cap on any single country", "단일 국가 상한"),
    "sens.p_forge_min": ("FORGE minimum", "FORGE 최소 비중"),
    "sens.p_recycled_min": ("Recycled share minimum", "재활용 최소 비중"),
    "sens.p_stockpile_days": ("Stockpile", "비축"),
    "sens.p_alpha": ("CVaR level", "CVaR 수준"),
    "sens.days_unit": ("(days)", "(일)"),
    "sens.days_word": ("days", "일"),
    "sens.m_hhi": ("HHI (0-1)", "HHI (0-1)"),
    "sens.m_china_share": ("China share (%)", "중국 비중 (%)"),
    "sens.m_forge_share": ("FORGE share (%)", "FORGE 비중 (%)"),
    "sens.m_cost_usd": ("Cost of the mix ({unit}/yr)", "구성 비용 ({unit}/년)"),
    "sens.m_unmet_t": ("Unmet demand (t REO/yr)", "미충족 수요 (t REO/년)"),
    "sens.m_o_hhi": ("Objective: HHI (0-1)", "목표: HHI (0-1)"),
    "sens.m_o_wgi": ("Objective: governance-weighted HHI (0-10)", "목표: 거버넌스 가중 HHI (0-10)"),
    "sens.m_o_max": ("Objective: largest supplier's share (%)", "목표: 최대 공급국 비중 (%)"),
    "sens.m_o_top3": ("Objective: top-3 suppliers' share (%)", "목표: 상위 3개 공급국 비중 (%)"),
    "sens.m_o_cost": ("Objective: cost ({unit}/yr)", "목표: 비용 ({unit}/년)"),
    "sens.m_o_cvar": (
        "Objective: CVaR of disruption loss ({unit})",
        "목표: 공급 중단 손실 CVaR ({unit})",
    ),
    "sens.m_o_expected": (
        "Objective: expected disruption loss ({unit})",
        "목표: 공급 중단 손실 기댓값 ({unit})",
    ),
    "sens.m_o_worst": (
        "Objective: worst-case disruption loss ({unit})",
        "목표: 최악의 공급 중단 손실 ({unit})",
    ),
    "sens.param_x": ("Parameter (x axis)", "변수 (x축)"),
    "sens.param_y": ("Second parameter (y axis)", "두 번째 변수 (y축)"),
    "sens.measure_help": (
        "What the chart shows at each grid point. Shares are of what is supplied, weighted "
        "across elements as on the Overview; cost is the optimized mix's landed cost.",
        "격자점마다 도표에 보여 줄 값입니다. 비중은 공급 물량 기준으로 개요 탭처럼 원소 가중하며, "
        "비용은 최적 구성의 도착 비용입니다.",
    ),
    "sens.run": ("Run sweep ({count} policies)", "스윕 실행 (정책 {count}개)"),
    "sens.estimate": ("{count} policies, about {seconds} s.", "정책 {count}개, 약 {seconds}초."),
    "sens.too_many": (
        "At most {most} in the app; use the command line for larger grids.",
        "앱에서는 최대 {most}개입니다. 더 큰 격자는 명령줄을 쓰십시오.",
    ),
    "sens.kept": (
        "Results are kept: coming back to the same policy and grid costs nothing.",
        "결과는 보관되므로 같은 정책과 격자로 돌아오면 다시 계산하지 않습니다.",
    ),
    "sens.country_holds": (
        "The single-country cap ({cap}) still holds China above it.",
        "단일 국가 상한({cap})이 그 위에서는 여전히 중국을 제한합니다.",
    ),
    "sens.bad_grid": ("The grid cannot be read: {problem}", "격자를 읽을 수 없습니다: {problem}"),
    "sens.solving": ("Solving {count} policies…", "정책 {count}개 계산 중…"),
    "sens.solved": ("Solved {done} of {count} policies", "정책 {count}개 중 {done}개 완료"),
    "sens.cannot_run": ("The sweep cannot run:", "스윕을 실행할 수 없습니다:"),
    "sens.solver_fault": (
        "The solver stopped at one grid point ({error}). This is a fault in the optimizer, not "
        "in your settings; a slightly different range or number of points usually avoids it. "
        "The rest of the app is unaffected.",
        "한 격자점에서 계산이 멈췄습니다({error}). 설정이 아니라 최적화 엔진의 결함입니다. 범위나 "
        "점 개수를 조금 바꾸면 대개 피할 수 있으며, 앱의 나머지 부분에는 영향이 없습니다.",
    ),
    "sens.press_run": (
        "Press **Run sweep** to solve the grid for the current policy. Changing the policy in "
        "the sidebar or the grid asks for a new run.",
        "**스윕 실행**을 누르면 현재 정책으로 격자를 계산합니다. 사이드바의 정책이나 격자를 바꾸면 "
        "다시 실행해야 합니다.",
    ),
    "sens.download": ("Sweep table (.csv)", "스윕 표 (.csv)"),
    "sens.cli": (
        "The same table from the command line, with the policy file from the Export tab:",
        "내보내기 탭의 정책 파일로 명령줄에서 같은 표를 만들려면:",
    ),
    "sens.table": ("Sweep table", "스윕 표"),
    "sens.one_param": ("None: one parameter", "없음: 변수 하나"),
    "sens.from": ("From", "시작"),
    "sens.to": ("To", "끝"),
    "sens.points": ("Points", "점 개수"),
    "sens.short_note": (
        "{short} of {total} policies cannot meet every element's demand or bloc minimum "
        "(crossed): see the unmet-demand measure.",
        "정책 {total}개 중 {short}개는 모든 원소의 수요나 블록 최소 비중을 채우지 못합니다(x 표시). "
        "미충족 수요 지표를 보십시오.",
    ),
    "sens.invalid_note": (
        "{count} grid points contradict the other settings and were skipped: {first}",
        "격자점 {count}개는 다른 설정과 모순되어 건너뛰었습니다: {first}",
    ),
    # --- frontier -----------------------------------------------------------------------------
    "frontier.cost_objective": (
        "The frontier trades cost against a risk measure. Choose a risk objective (HHI, "
        "governance-weighted HHI, largest or top-3 share) in the sidebar to draw it.",
        "비용-위험 경계는 비용과 위험 지표를 맞바꿉니다. 그리려면 사이드바에서 위험 목표(HHI, "
        "거버넌스 가중 HHI, 최대 또는 상위 3개국 비중)를 고르십시오.",
    ),
    "frontier.intro": (
        "The least **{measure}** reachable at each budget, from the least-cost mix to the "
        "least-risk mix, under the same caps and minimums ({points} budgets). The star is the "
        "current solution, the cross today's mix. Pick a point to see its mix.",
        "같은 상한과 최소 비중에서 최소 비용 구성부터 최소 위험 구성까지, 예산마다 도달할 수 있는 "
        "가장 낮은 **{measure}**입니다(예산 {points}개). 별은 현재 해, x는 현재 구성입니다. 점을 "
        "고르면 그 구성을 볼 수 있습니다.",
    ),
    "frontier.run": ("Draw the frontier ({points} budgets)", "경계 그리기 (예산 {points}개)"),
    "frontier.estimate": (
        "Solves {points} budgets, about {seconds} s on the bundled data; kept for this policy.",
        "예산 {points}개를 풉니다. 기본 데이터에서 약 {seconds}초이며 이 정책의 결과는 보관됩니다.",
    ),
    "frontier.solving": ("Solving {points} budgets…", "예산 {points}개 계산 중…"),
    "frontier.solved": (
        "{done} of {count} budgets solved",
        "예산 {count}개 중 {done}개 완료",
    ),
    "frontier.point": (
        "Budget point (premium over least cost · cost of the mix per year)",
        "예산 점 (최소 비용 대비 추가율 · 연간 구성 비용)",
    ),
    "frontier.axis_usd": ("{measure} (USD)", "{measure} (USD)"),
    "frontier.axis": ("{measure} (weighted)", "{measure} (가중)"),
    "frontier.cost": ("Cost", "비용"),
    "frontier.premium": ("Premium over least cost", "최소 비용 대비 추가율"),
    "frontier.china": ("China share", "중국 비중"),
    "frontier.mix_at": (
        "Mix at {point}, {stage} (its worst stage)",
        "{point}의 구성, {stage} (가장 취약한 단계)",
    ),
    "frontier.download_csv": ("Frontier points (.csv)", "경계 점 (.csv)"),
    "frontier.download_xlsx": ("Frontier with mixes (.xlsx)", "경계와 구성 (.xlsx)"),
    # --- briefing ---------------------------------------------------------------------------
    "brief.title": ("Rare-earth sourcing for Korea: briefing", "한국 희토류 조달: 브리핑"),
    "brief.meta": (
        "Prepared {date} · dataset: {source}, as of {as_of} · sha256 {sha}",
        "작성일 {date} · 데이터셋: {source}, 기준일 {as_of} · sha256 {sha}",
    ),
    "brief.policy": ("The policy", "정책"),
    "brief.headline": ("Headline figures (a year)", "핵심 수치 (연간)"),
    "brief.measure": ("Measure", "지표"),
    "brief.china_worst": ("China share at the worst stage", "가장 취약한 단계의 중국 비중"),
    "brief.opt_today": ("optimized / today", "최적 / 현재"),
    "brief.chain": ("The chain, stage by stage", "단계별 공급망"),
    "brief.leaders_today": ("Largest today", "현재 주요 공급국"),
    "brief.leaders_opt": ("Largest optimized", "최적 주요 공급국"),
    "brief.chain_note": (
        "China share and HHI weighted over the elements as in the app; the largest countries "
        "by tonnes through each stage, all elements in scope.",
        "중국 비중과 HHI는 앱과 같이 원소 가중한 값이며, 주요 공급국은 대상 원소 전체에서 각 단계를 "
        "지나는 톤수 기준입니다.",
    ),
    "brief.binding": ("Binding constraints, in words", "구속적 제약 설명"),
    "brief.no_binding": (
        "No policy constraint is binding at this result.",
        "이 결과에서 구속적인 정책 제약은 없습니다.",
    ),
    "brief.exposure": ("Exposure by element", "원소별 노출"),
    "brief.cost_opt": ("Cost optimized (a year)", "최적 비용 (연간)"),
    "brief.footer": (
        "Made with the open-source rare-earth sourcing optimizer. Figures are model results on "
        "the dataset named above, not forecasts; estimates in the data are marked as such in "
        "its source columns.",
        "오픈소스 희토류 조달 최적화 도구로 작성했습니다. 수치는 위 데이터셋에 대한 모형 결과이며 "
        "예측이 아닙니다. 데이터의 추정값은 출처 열에 추정으로 표시되어 있습니다.",
    ),
    # --- export -------------------------------------------------------------------------------
    "export.intro": (
        "Files for the current policy and dataset. Each carries what is needed to reproduce the "
        "run: the resolved policy, the dataset's origin, as-of date and sha256 fingerprint, and "
        "package versions (Excel: *policy* and *provenance* sheets; JSON: the summary). Data "
        "files keep the library's column names, so the command line reads them back.",
        "현재 정책과 데이터셋의 파일입니다. 각 파일에는 실행을 재현하는 데 필요한 정보(확정된 정책, "
        "데이터셋 출처, 기준일, sha256 지문, 패키지 버전)가 들어 있습니다(Excel: *policy*, "
        "*provenance* 시트, JSON: 요약). 데이터 파일은 명령줄이 다시 읽을 수 있도록 라이브러리의 열 "
        "이름을 그대로 씁니다.",
    ),
    "export.briefing": ("Briefing", "브리핑"),
    "export.briefing_button": ("Briefing for a meeting (.html)", "회의용 브리핑 (.html)"),
    "export.briefing_pdf": ("The same briefing as PDF (.pdf)", "같은 브리핑의 PDF (.pdf)"),
    "export.briefing_pdf_help": (
        "The HTML briefing printed to A4 PDF on this machine by headless Chromium, offline, in "
        "the language shown (takes a few seconds).",
        "HTML 브리핑을 이 컴퓨터의 헤드리스 Chromium으로 A4 PDF로 인쇄합니다. 오프라인이며 지금 "
        "표시 언어로 만듭니다(몇 초 걸림).",
    ),
    "export.briefing_pdf_missing": (
        "A PDF needs Chromium on the server (Debian: apt-get install chromium); the HTML "
        "briefing prints to PDF from any browser.",
        "PDF를 만들려면 서버에 Chromium이 있어야 합니다(Debian: apt-get install chromium). HTML "
        "브리핑은 어느 브라우저에서나 PDF로 인쇄할 수 있습니다.",
    ),
    "export.briefing_help": (
        "One self-contained page in the language shown: the policy in words, headline figures, "
        "the chain by stage, binding constraints and shortfalls in words, exposure by element. "
        "Opens offline in any browser; print it to PDF from there.",
        "지금 표시 언어로 된 독립형 한 페이지입니다: 정책 설명, 핵심 수치, 단계별 공급망, 구속적 "
        "제약과 공급 부족 설명, 원소별 노출. 인터넷 없이 어느 브라우저에서나 열리며, 브라우저에서 "
        "PDF로 인쇄할 수 있습니다.",
    ),
    "export.allocation": ("Allocation", "배분"),
    "export.csv": ("Allocation (.csv)", "배분 (.csv)"),
    "export.csv_help": (
        "One row per element and plant used: element, form, stage, plant, country, tonnes "
        "(t REO/yr), share (of the demand passing the stage), cost_usd_kg, cost_usd",
        "원소와 사용 공장마다 한 행: element, form, stage, plant, country, tonnes(t REO/년), "
        "share(단계를 지나는 수요 대비), cost_usd_kg, cost_usd",
    ),
    "export.xlsx": ("Allocation and reports (.xlsx)", "배분과 보고서 (.xlsx)"),
    "export.xlsx_help": (
        "Sheets: allocation, summary, elements, shadow prices, shortfalls, policy, provenance.",
        "시트: allocation, summary, elements, shadow prices, shortfalls, policy, provenance.",
    ),
    "export.json": ("Allocation with summary (.json)", "배분과 요약 (.json)"),
    "export.flows": ("Flows along the chain", "공급망 흐름"),
    "export.flows_opt": ("Optimized flows (.csv)", "최적 흐름 (.csv)"),
    "export.flows_today": ("Today's flows (.csv)", "현재 흐름 (.csv)"),
    "export.flows_help": (
        "Every flow plant to plant and into Korea: element, from_plant, from_country, "
        "from_stage, to_plant, to_country, to_stage, tonnes (t REO/yr).",
        "공장 간, 그리고 한국으로 들어오는 모든 흐름: element, from_plant, from_country, "
        "from_stage, to_plant, to_country, to_stage, tonnes(t REO/년).",
    ),
    "export.map_policy": ("Map and policy", "지도와 정책"),
    "export.geojson": ("Map data (.geojson)", "지도 데이터 (.geojson)"),
    "export.geojson_help": (
        "Every country's shape with today's, the optimized and the change in tonnes, share and "
        "USD ({shown}, {stage} stage, as on the partner map). Made with Natural Earth.",
        "나라별 모양과 현재, 최적, 변화(톤수, 비중, USD)를 담습니다({shown}, {stage} 단계, 협력국 "
        "지도와 같음). Made with Natural Earth.",
    ),
    "export.yaml": ("Policy (.yaml)", "정책 (.yaml)"),
    "export.bundle": ("Run bundle (.zip)", "실행 묶음 (.zip)"),
    "export.bundle_help": (
        "allocation.csv, summary.json, policy.yaml and a README with the command that "
        "reproduces the run.",
        "allocation.csv, summary.json, policy.yaml과 실행을 재현하는 명령이 적힌 README.",
    ),
    "export.reproduce": (
        "Reproduce this run from the command line (same dataset, same package versions):",
        "명령줄에서 이 실행을 재현하려면(같은 데이터셋, 같은 패키지 버전):",
    ),
    "export.footer": (
        "Dataset sha256 `{sha}` · as of {as_of} · optimized cost {cost}/yr.",
        "데이터셋 sha256 `{sha}` · 기준일 {as_of} · 최적 비용 연 {cost}.",
    ),
    "export.yaml_title": ("Policy YAML", "정책 YAML"),
    # --- named runs ---------------------------------------------------------------------------
    "runs.intro": (
        "Save the current policy as a named run, keep several, and compare two to four side by "
        "side. A run is a policy: download it as a YAML file (the same file `ree-sourcing solve "
        "--policy` reads) or load one. Saved runs stay in this browser session only.",
        "현재 정책을 이름 붙여 저장하고 여러 개를 보관하며 두 개에서 네 개까지 나란히 비교합니다. "
        "실행은 곧 정책이며 YAML 파일(`ree-sourcing solve --policy`가 읽는 파일)로 내려받거나 "
        "불러올 수 있습니다. 저장한 실행은 이 브라우저 세션에만 남습니다.",
    ),
    "runs.name": ("Name of the run", "실행 이름"),
    "runs.name_placeholder": ("e.g. Korea 2030, absolute budget", "예: 한국 2030, 절대 예산"),
    "runs.default_name": ("Run {n}", "실행 {n}"),
    "runs.save": ("Save the current run", "현재 실행 저장"),
    "runs.cannot_save": (
        "The current policy cannot be solved, so it is not saved: fix the controls first.",
        "현재 정책은 풀 수 없어 저장하지 않았습니다. 먼저 설정을 고치십시오.",
    ),
    "runs.too_many": (
        "This session keeps at most {most} runs: remove one first.",
        "이 세션에는 실행을 최대 {most}개까지 보관합니다. 먼저 하나를 지우십시오.",
    ),
    "runs.saved": ("Saved as **{name}**.", "**{name}**(으)로 저장했습니다."),
    "runs.loaded": (
        "The controls now hold **{name}**, solved at once (no need to press Apply).",
        "설정을 **{name}**(으)로 바꾸었습니다. 바로 계산되므로 적용을 누를 필요가 없습니다.",
    ),
    "runs.unshown": (
        "Settings the controls cannot show were left at their defaults: {what}. Compare the "
        "run itself to see it exactly.",
        "설정 화면에 나타낼 수 없는 항목은 기본값으로 두었습니다: {what}. 정확한 결과는 실행 자체를 "
        "비교하십시오.",
    ),
    "runs.upload": ("Load a run from a policy file (.yaml)", "정책 파일(.yaml)에서 실행 불러오기"),
    "runs.upload_help": (
        "A policy YAML as the Export tab or the command line writes it; it is read by the same "
        "loader as `ree-sourcing solve --policy`.",
        "내보내기 탭이나 명령줄이 쓰는 정책 YAML이며, `ree-sourcing solve --policy`와 같은 방식으로 "
        "읽습니다.",
    ),
    "runs.bad_file": (
        "**{name}** is not a policy the optimizer can read:",
        "**{name}**은(는) 읽을 수 있는 정책이 아닙니다:",
    ),
    "runs.none": (
        "No run saved yet: name the current one above and press Save, or load a policy file.",
        "저장한 실행이 아직 없습니다. 위에서 현재 실행에 이름을 붙여 저장하거나 정책 파일을 "
        "불러오십시오.",
    ),
    "runs.saved_title": ("Saved runs ({count})", "저장한 실행 ({count}개)"),
    "runs.load": ("Load", "불러오기"),
    "runs.download": ("Policy (.yaml)", "정책 (.yaml)"),
    "runs.remove": ("Remove", "지우기"),
    "runs.compare": ("Compare runs", "실행 비교"),
    "runs.pick": ("Runs to compare (2 to 4)", "비교할 실행 (2-4개)"),
    "runs.pick_help": (
        "Each run is solved on the dataset in use, as it is now.",
        "각 실행은 지금 사용 중인 데이터셋으로 계산합니다.",
    ),
    "runs.pick_two": ("Choose at least two runs.", "실행을 두 개 이상 고르십시오."),
    "runs.cannot_compare": (
        "These runs cannot be solved on the dataset in use:",
        "다음 실행은 사용 중인 데이터셋으로 풀 수 없습니다:",
    ),
    "runs.status": ("Status", "상태"),
    "runs.china_by_stage": ("China's share by stage (%)", "단계별 중국 비중 (%)"),
    "runs.alloc_stage": ("Stage for the allocation", "배분 비교 단계"),
    "runs.alloc_help": (
        "Tonnes a year by country at this stage, all elements in scope.",
        "이 단계에서 나라별 연간 톤수(대상 원소 전체)입니다.",
    ),
    "runs.alloc_title": (
        "Where the tonnes go at {stage} (t REO/yr), and the difference from {base}",
        "{stage} 단계에서 물량이 가는 곳 (t REO/년)과 {base} 대비 차이",
    ),
    "runs.diff": ("{run} - {base} (t)", "{run} - {base} (t)"),
    "runs.map_against": ("Map: {base} against", "지도: {base} 대비"),
    "runs.map_help": (
        "The map shades each country by the change from the first run chosen to this one.",
        "지도는 처음 고른 실행에서 이 실행으로 바뀐 양을 나라별 색으로 보여 줍니다.",
    ),
    "runs.map_title": (
        "Change in {what} at {stage}: {run} - {base}",
        "{stage} 단계 {what} 변화: {run} - {base}",
    ),
    "runs.map_legend": (
        "{run} - {base}, {unit}, log scale · blue: less in {run}, orange: more",
        "{run} - {base}, {unit}, 로그 척도 · 파랑: {run}에서 적음, 주황: 많음",
    ),
    "runs.map_note": (
        "Orange: the country handles more in {run} than in {base}; blue: less; white: the same. "
        "The same palette as the partner map and the Scenarios view (more or less, never good or "
        "bad). Hover a country for both values.",
        "주황: {base}보다 {run}에서 그 나라가 더 많이 처리, 파랑: 더 적게, 흰색: 같음. 파트너 지도와 "
        "시나리오 화면과 같은 색입니다(많고 적음이지 좋고 나쁨이 아님). 나라에 마우스를 올리면 두 "
        "값이 보입니다.",
    ),
    "runs.map_change": ("Change", "변화"),
    "runs.map_unused": ("used by neither run", "두 실행 모두 쓰지 않음"),
    # --- path to 2030 (optimizer.plan) ------------------------------------------------------
    "path.intro": (
        "A year-by-year plan toward the 2030 targets: which projects Korea's policy loans and "
        "domestic subsidies should buy stakes in, and when; where each element comes from at "
        "each stage, year by year; what the path costs; and the year each target is met, or why "
        "it is not. It is a mixed-integer program with its own settings below: the sidebar's "
        "policy belongs to the single-year model and does not apply here.",
        "2030년 목표를 향한 연도별 계획입니다. 한국의 정책 융자와 국내 보조금으로 어떤 사업의 "
        "지분을 언제 확보할지, 원소별로 각 공정 단계의 공급이 해마다 어느 나라에서 오는지, "
        "경로에 드는 비용, 각 목표를 달성하는 연도(또는 달성하지 못하는 이유)를 보여 줍니다. "
        "아래의 자체 설정으로 푸는 혼합정수계획이며, 사이드바의 정책은 단년도 모델의 것이므로 "
        "여기에는 적용되지 않습니다.",
    ),
    "path.settings": ("Plan settings", "계획 설정"),
    "path.first_year": ("First year", "시작 연도"),
    "path.last_year": ("Last year", "마지막 연도"),
    "path.years_help": (
        "The plan's horizon, e.g. 2026 to 2030 (at most 30 years). Demand grows each year at "
        "the dataset's growth rates; projects produce along their ramps.",
        "계획 기간입니다(예: 2026~2030년, 최대 30년). 수요는 데이터셋의 증가율로 해마다 늘고, "
        "사업은 가동 일정(램프업)에 따라 생산합니다.",
    ),
    "path.target_year": ("Target year", "목표 연도"),
    "path.target_last": ("the last year", "계획의 마지막 해"),
    "path.target_year_help": (
        "The year the targets must hold (empty: the last year). Every year is scored against "
        "the targets; only this one binds.",
        "목표를 지켜야 하는 연도입니다(비우면 마지막 연도). 모든 연도를 목표에 비추어 평가하지만 "
        "제약은 이 연도에만 걸립니다.",
    ),
    "path.objective": ("Objective", "목적"),
    "path.objective_cost": ("Meet the targets at least cost", "최소 비용으로 목표 달성"),
    "path.objective_risk": ("Least China share in the target year", "목표 연도 중국 비중 최소화"),
    "path.objective_help": (
        "Either way the plan first meets as much demand as the network can, then comes as close "
        "to the targets as it can. Cost: then the least total cost over the years. Risk: then "
        "the least value-weighted China share at each element's worst stage in the target year, "
        "within a budget of the least cost plus the premium, then the least cost at that share.",
        "어느 쪽이든 먼저 공급망이 채울 수 있는 최대한의 수요를 채우고, 그다음 목표에 최대한 "
        "가까이 갑니다. 비용: 그다음 전 기간 총비용을 최소화합니다. 위험: 그다음 최소 비용에 "
        "할증을 더한 예산 안에서 목표 연도에 원소별 가장 취약한 단계의 가치 가중 중국 비중을 "
        "최소화하고, 그 비중에서 비용을 최소화합니다.",
    ),
    "path.premium": ("Budget premium for risk (%)", "위험 목적의 예산 할증 (%)"),
    "path.premium_help": (
        "Risk objective only: the path may cost this much more than the least-cost path.",
        "위험 목적에만 적용됩니다: 경로 비용이 최소 비용 경로보다 이만큼 더 들 수 있습니다.",
    ),
    "path.loan": ("Loan envelope, first year ({unit})", "첫해 융자 한도 ({unit})"),
    "path.loan_help": (
        "Korea's policy loans for overseas resource development in the first year: {amount} in "
        "2026. A loan covers at most the coverage ratio ({coverage} from 2026) of a stake's cost.",
        "첫해 해외자원개발 정책 융자 규모입니다: 2026년 {amount}. 융자는 지분 비용 가운데 "
        "융자 비율(2026년부터 {coverage})까지만 충당합니다.",
    ),
    "path.later_loan": ("Loan envelope, later years ({unit})", "이후 연도 융자 한도 ({unit})"),
    "path.same_as_first": ("the same as the first year", "첫해와 같음"),
    "path.later_loan_help": (
        "The envelope of each later year (empty: the same as the first year's). A year's loans "
        "lapse if they are not spent that year.",
        "이후 각 연도의 한도입니다(비우면 첫해와 같음). 그해에 쓰지 않은 융자는 소멸합니다.",
    ),
    "path.coverage": ("Coverage ratio (%)", "융자 비율 (%)"),
    "path.coverage_help": (
        "The most of a stake's cost a policy loan (or a subsidy) may finance: 70% from 2026 "
        "(50% before).",
        "정책 융자(또는 보조금)가 지분 비용에서 충당할 수 있는 최대 비율입니다: 2026년부터 "
        "70%(그전 50%).",
    ),
    "path.subsidy": ("Subsidy envelope a year ({unit})", "연간 보조금 한도 ({unit})"),
    "path.subsidy_help": (
        "Subsidies for domestic production and recycling plants, a year. The data give no "
        "figure for it: with 0, domestic projects cannot be backed.",
        "국내 생산·재활용 시설 보조금의 연간 한도입니다. 데이터에는 이 수치가 없으며, 0이면 "
        "국내 사업을 지원할 수 없습니다.",
    ),
    "path.country_cap": ("Country cap at every stage (%)", "모든 단계의 국가별 상한 (%)"),
    "path.no_target": ("no target", "목표 없음"),
    "path.country_cap_help": (
        "Korea's 2030 target: no foreign country above about 50% of any element at any stage. "
        "Empty: no such target.",
        "한국의 2030년 목표입니다: 어떤 원소든 어느 단계에서든 한 외국의 비중이 약 50%를 넘지 "
        "않게 합니다. 비우면 이 목표를 두지 않습니다.",
    ),
    "path.recycled": ("Recycled share (%)", "재활용 비중 (%)"),
    "path.recycled_help": (
        "The recycled share at each element's first stage in the target year (Korea: toward "
        "20%). 0: no recycling target.",
        "목표 연도에 원소별 첫 공정 단계에서의 재활용 비중입니다(한국: 20%를 목표로). 0이면 "
        "재활용 목표를 두지 않습니다.",
    ),
    "path.switching": ("Switching limit (% a year)", "연간 전환 한도 (%)"),
    "path.no_limit": ("no limit", "제한 없음"),
    "path.switching_help": (
        "How much of a stage's demand may move to or from a country in one year, starting from "
        "today's mix. Empty: no limit.",
        "한 해에 한 나라로 옮겨 가거나 한 나라에서 빠져나올 수 있는 물량을 그 단계 수요의 "
        "비율로 정합니다(현재 구성에서 출발). 비우면 제한이 없습니다.",
    ),
    "path.min_order": ("Minimum order (t a year)", "최소 주문량 (연 t)"),
    "path.min_order_help": (
        "A plant used for an element puts through at least this many tonnes a year, or none. "
        "Empty: no minimum.",
        "원소별로 사용하는 공장은 연간 이 물량 이상을 처리하거나 전혀 쓰지 않습니다. 비우면 "
        "최소량이 없습니다.",
    ),
    "path.max_suppliers": ("Most supplying countries", "최대 공급국 수"),
    "path.max_suppliers_help": (
        "At most this many countries deliver an element to Korea in a year. Empty: no limit.",
        "한 해에 한 원소를 한국에 공급하는 나라의 최대 수입니다. 비우면 제한이 없습니다.",
    ),
    "path.marginal": ("Marginal values", "한계 가치"),
    "path.marginal_help": (
        "Also solve the plan with 1 M USD more of first-year loans, and with a coverage ratio 5 "
        "points higher, and say what changes (the model is integer, so no dual price says it). "
        "About three times the time.",
        "첫해 융자를 1 M USD 늘린 경우와 융자 비율을 5%p 높인 경우의 계획도 풀어 무엇이 "
        "달라지는지 보여 줍니다(정수 모형이라 쌍대 가격으로는 알 수 없습니다). 시간이 약 세 배 "
        "걸립니다.",
    ),
    "path.run": ("Run the plan", "계획 실행"),
    "path.time_note": (
        "A five-year plan on the bundled data takes about {low}-{high} s on this server; the "
        "practical limits add integer choices (up to about {limits} s); marginal values solve "
        "it twice more.",
        "번들 데이터로 5년 계획을 푸는 데 이 서버에서 약 {low}~{high}초 걸립니다. 실무 제약은 "
        "정수 선택을 더해 최대 약 {limits}초까지 늘어나고, 한계 가치는 계획을 두 번 더 풉니다.",
    ),
    "path.press_run": (
        "Choose the settings and press **Run the plan**: the plan is solved only when asked.",
        "설정을 고른 뒤 **계획 실행**을 누르십시오. 계획은 요청할 때만 풉니다.",
    ),
    "path.solving": ("Solving the {years}-year plan…", "{years}년 계획을 푸는 중…"),
    "path.cannot_run": (
        "**These plan settings cannot be solved.** Change the settings named below.",
        "**이 계획 설정으로는 풀 수 없습니다.** 아래에 적힌 설정을 바꾸십시오.",
    ),
    "path.no_plan": (
        "**No plan keeps every practical limit at once** (the solver: {error}). The switching "
        "limit, the minimum order and the most suppliers are hard limits and can contradict "
        "each other: a minimum order above what a small element needs, for example, forbids "
        "supply the switching limit keeps in place. Loosen one of them.",
        "**모든 실무 제약을 동시에 지키는 계획이 없습니다** (솔버: {error}). 전환 한도, 최소 "
        "주문량, 최대 공급국 수는 반드시 지켜야 하는 제약이라 서로 충돌할 수 있습니다. 예를 "
        "들어 수요가 작은 원소에 필요한 양보다 큰 최소 주문량은 전환 한도가 유지하라는 공급을 "
        "막습니다. 그중 하나를 완화하십시오.",
    ),
    "path.status": ("**Plan {first}-{last}: {status}.**", "**{first}~{last}년 계획: {status}.**"),
    "path.status_optimal": (
        "every target met in {year}, and all demand",
        "{year}년 모든 목표 달성, 수요 전량 충족",
    ),
    "path.status_missed": (
        "some targets are not met by {year} (why: below)",
        "{year}년까지 일부 목표 미달 (이유: 아래)",
    ),
    "path.status_short": (
        "demand is not met in full in some year",
        "일부 연도에 수요를 다 채우지 못함",
    ),
    "path.solved": (
        "Solved in {seconds} s, proven within {gap} of the optimum",
        "{seconds}초 만에 계산했으며 최적값과의 차이가 {gap} 이내임이 증명됨",
    ),
    "path.first_loans": (
        "**The {year} loans back: {projects}** ({used} of the {envelope} envelope).",
        "**{year}년 융자 지원 대상: {projects}** (한도 {envelope} 중 {used} 사용).",
    ),
    "path.first_subsidies": (
        "The {year} subsidies back: {projects}.",
        "{year}년 보조금 지원 대상: {projects}.",
    ),
    "path.no_project": ("no project", "해당 사업 없음"),
    "path.total_cost": ("Cost of the path, {years} years", "경로 비용 ({years}년 합계)"),
    "path.backed_count": ("Projects backed", "지원 사업 수"),
    "path.loans_used": ("Loans used, all years", "전 기간 융자 사용액"),
    "path.gap": ("MIP gap", "MIP 최적성 격차"),
    "path.gap_help": (
        "How far the plan may be from the best possible, as the solver proves it (HiGHS stops "
        "at 0.1% or closer).",
        "솔버가 증명한, 계획과 가능한 최선 사이의 최대 차이입니다(HiGHS는 0.1% 이내에서 멈춥니다).",
    ),
    "path.projects_title": (
        "Projects the loans and subsidies back",
        "융자·보조금으로 지원하는 사업",
    ),
    "path.no_candidates": (
        "The dataset has no project that policy loans or subsidies may back (the projects "
        "table's support column).",
        "이 데이터셋에는 정책 융자나 보조금으로 지원할 수 있는 사업이 없습니다(projects 표의 "
        "support 열).",
    ),
    "path.none_backed": (
        "The plan backs no project with these settings.",
        "이 설정에서는 지원하는 사업이 없습니다.",
    ),
    "path.col_project": ("Project", "사업"),
    "path.col_support": ("Support", "지원 방식"),
    "path.col_backed": ("Backed", "지원 여부"),
    "path.col_backed_year": ("Backed from", "지원 시작 연도"),
    "path.col_stake_share": ("Stake of offtake", "인수 지분"),
    "path.stake_share_help": (
        "The share of the project's offtake that Korea buys into, over all tranches.",
        "한국이 모든 분할 매입을 통틀어 확보하는 사업 인수 물량의 지분입니다.",
    ),
    "path.col_stake": ("Stake ({unit})", "지분 비용 ({unit})"),
    "path.col_loan": ("Loan ({unit})", "융자 ({unit})"),
    "path.col_subsidy": ("Subsidy ({unit})", "보조금 ({unit})"),
    "path.col_first_year": ("Produces from", "생산 시작 연도"),
    "path.support_overseas-loan": ("overseas policy loan", "해외 정책 융자"),
    "path.support_domestic-subsidy": ("domestic subsidy", "국내 보조금"),
    "path.tranche": ("Stake bought (tranche)", "지분 매입 (분할)"),
    "path.output": ("Producing", "생산 중"),
    "path.hover_financed": ("loan or subsidy ({unit})", "융자 또는 보조금 ({unit})"),
    "path.hover_share": ("%{customdata:.1f}% of the stage", "단계 물량의 %{customdata:.1f}%"),
    "path.hover_where": ("at {stage} ({holder})", "{stage} 단계 ({holder})"),
    "path.supply_title": ("Supply by country, year by year", "연도별 국가별 공급"),
    "path.supply_caption": (
        "{element} at the {stage} stage: tonnes a year through the stage, by the country whose "
        "plant did the step (China in red); the whole is what passes the stage that year.",
        "{element}의 {stage} 단계: 그 공정을 수행한 공장이 있는 나라별 연간 통과 물량입니다"
        "(중국은 빨간색). 합계는 그해 이 단계를 지나는 물량입니다.",
    ),
    "path.unknown_plant": ("plant not in the data", "데이터에 없는 공장"),
    "path.axis_year": ("year", "연도"),
    "path.axis_money": ("{unit} a year", "연간 {unit}"),
    "path.loans_title": ("Loans used against the envelope", "한도 대비 융자 사용"),
    "path.loan_used": ("Loans used", "융자 사용액"),
    "path.loan_envelope": ("Loan envelope", "융자 한도"),
    "path.subsidy_used": ("Subsidies used", "보조금 사용액"),
    "path.subsidy_envelope": ("Subsidy envelope", "보조금 한도"),
    "path.no_subsidy": (
        "No subsidy envelope is set, so the domestic projects cannot be backed.",
        "보조금 한도가 없어 국내 사업은 지원할 수 없습니다.",
    ),
    "path.targets_title": ("Targets, year by year", "연도별 목표 달성"),
    "path.target_country-cap": ("No foreign country above {cap}", "한 외국의 비중 {cap} 이하"),
    "path.target_recycled": ("Recycled share at least {share}", "재활용 비중 {share} 이상"),
    "path.met_line": (
        "{target}: met {met}; not met by {year}: {missed}",
        "{target}: 달성 {met}; {year}년까지 미달: {missed}",
    ),
    "path.met_from": ("{element} from {year}", "{element} ({year}년부터)"),
    "path.met_none": ("for no element", "해당 원소 없음"),
    "path.missed_none": ("none", "없음"),
    "path.no_targets": ("No target is set.", "설정된 목표가 없습니다."),
    "path.why_below": (
        "Why a target is not met: in the model's own words, below.",
        "목표를 달성하지 못하는 이유는 아래 모델의 설명(영어 원문)에 있습니다.",
    ),
    "path.legend_met": ("met (blue)", "달성 (파랑)"),
    "path.legend_not_met": ("not met (orange)", "미달 (주황)"),
    "path.grid_caption": (
        "Each cell is a year and an element: blue where the target is met at every stage "
        "scored, orange where it is not. The number is the worst stage's figure: the largest "
        "foreign country's share, or the recycled share. The targets bind in the target year; "
        "the other years are scored against them.",
        "각 칸은 연도와 원소입니다. 평가한 모든 단계에서 목표를 달성하면 파랑, 그렇지 않으면 "
        "주황입니다. 숫자는 가장 나쁜 단계의 수치(가장 큰 외국 비중 또는 재활용 비중)입니다. "
        "목표는 목표 연도에 걸리며, 다른 연도는 같은 목표에 비추어 평가합니다.",
    ),
    "path.cost_title": ("Cost of the path, year by year", "연도별 경로 비용"),
    "path.cost_sourcing": ("Sourcing", "조달"),
    "path.cost_stakes": ("Stakes bought", "지분 매입"),
    "path.cost_stock": ("Stockpile build-up", "비축 확대"),
    "path.cost_caption": (
        "Sourcing: what the network costs that year. Stakes: what Korea pays for the stakes "
        "bought that year (the loan or subsidy finances part of it). Stockpile: buying toward "
        "the target days and holding the extra stock.",
        "조달: 그해 공급망 비용. 지분 매입: 그해 매입한 지분 대금(융자나 보조금이 일부를 "
        "충당). 비축 확대: 목표 일수를 향한 추가 구매와 늘어난 비축의 보관 비용.",
    ),
    "path.marginal_title": (
        "What a little more financing changes ({year})",
        "재원을 조금 늘리면 달라지는 것 ({year}년)",
    ),
    "path.marginal_loan": ("{amount} more of loans in {year}", "{year}년 융자 {amount} 추가"),
    "path.marginal_coverage": ("Coverage {before} → {after}", "융자 비율 {before} → {after}"),
    "path.col_change": ("Change", "변경"),
    "path.col_cost_change": ("Cost of the path", "경로 비용 변화"),
    "path.col_then_backed": ("Projects then backed", "변경 시 지원 사업"),
    "path.col_china_change": ("China share in {year}", "{year}년 중국 비중 변화"),
    "path.share_move": ("{element} at {stage}: {points} pp", "{element} {stage} 단계: {points} pp"),
    "path.marginal_note": (
        "Each row solves the whole plan again with one setting changed (the model is integer, "
        "so no dual price says it).",
        "각 행은 설정 하나만 바꿔 계획 전체를 다시 푼 결과입니다(정수 모형이라 쌍대 가격으로는 "
        "알 수 없습니다).",
    ),
    "path.left_out": (
        "{count} projects are left out of the plan: {projects} (why: below).",
        "{count}개 사업은 계획에서 빠졌습니다: {projects} (이유: 아래).",
    ),
    "path.own_words": (
        "Why: targets not met and projects left out ({count})",
        "이유: 달성하지 못한 목표와 제외된 사업 ({count}건)",
    ),
    "path.download": ("Download the plan (.xlsx)", "계획 내려받기 (.xlsx)"),
    "path.download_note": (
        "A sheet per table, as `ree-sourcing plan --out plan.xlsx` writes it: projects, "
        "tranches, loans, costs, targets, the mix by stage, flows, stock, marginal values and "
        "the projects left out.",
        "`ree-sourcing plan --out plan.xlsx`와 같은 파일로, 표마다 시트 하나씩입니다: 사업, "
        "분할 매입, 융자, 비용, 목표, 단계별 구성, 흐름, 비축, 한계 가치, 제외된 사업.",
    ),
    # --- the library's own explanations (optimizer.diagnose, optimizer.solution) -----------
    # The library writes the English (render(why, "en")) and keeps the id and values beside it
    # (frame.attrs["why"]), so the app can say the same in Korean with the same numbers.
    "why.short": (
        "{element} is short by {short} ({share} of demand): {reasons}.",
        "{element}: {short} 부족 (수요의 {share}). {reasons}.",
    ),
    "why.short_capacity": ("{tonnes} because {capacity}", "{tonnes}: {capacity}"),
    "why.capacity_stage": (
        "the plants that can do the {stage} stage offer {offered} of the {need} needed",
        "{stage} 단계를 할 수 있는 공장이 필요량 {need} 가운데 {offered}만 공급함",
    ),
    "why.capacity_none": (
        "no plant in the data can supply it",
        "데이터에 이를 공급할 수 있는 공장이 없음",
    ),
    "why.capacity_chain": (
        "the chain's plants and feed limits cannot carry more (every stage offers enough on its "
        "own)",
        "공급망의 공장과 원료 공급 한도로는 더 보낼 수 없음(단계마다 따로 보면 공급량은 충분함)",
    ),
    "why.short_caps": (
        "{tonnes} because of the caps{alone}: raise a cap or add capacity",
        "{tonnes}: 상한 때문임{alone}. 상한을 올리거나 생산능력을 늘리십시오",
    ),
    "why.caps_alone": (
        " (lifting one supplier's caps alone brings back: {named})",
        " (한 공급자의 상한만 풀 때 되찾는 양: {named})",
    ),
    "why.short_budget": (
        "{tonnes} because the budget of {budget} USD cannot pay for it: raise the budget",
        "{tonnes}: 예산 {budget} USD로는 감당할 수 없음. 예산을 늘리십시오",
    ),
    "why.round_off": ("round-off", "반올림 오차"),
    "why.at_stage": (" at the {stage} stage", " ({stage} 단계)"),
    "why.bloc_short": (
        "the {bloc} minimum for {element}{at} asks {need} but {bloc} members can supply "
        "{capped} within their caps and capacity, {gap} too little: lower the minimum or add "
        "{bloc} capacity.",
        "{element}{at}의 {bloc} 최소 비중은 {need}을(를) 요구하지만 {bloc} 회원국은 상한과 "
        "생산능력 안에서 {capped}만 공급할 수 있어 {gap}이(가) 모자랍니다. 최소 비중을 낮추거나 "
        "{bloc} 생산능력을 늘리십시오.",
    ),
    "why.cap_short": (
        "The {supplier} cap for {element}{at} ({cap}) is part of why {element} falls short: "
        "each point more lets {tonnes} t more in.",
        "{element}{at}의 {supplier} 상한({cap})은 {element} 공급 부족의 한 원인입니다. 1%p "
        "올릴 때마다 {tonnes} t이 더 들어옵니다.",
    ),
    "why.cap_price": (
        "Raising the {supplier} cap for {element}{at} by one point (from {cap}) changes the "
        "least cost by {cost} a year{risk}.",
        "{element}{at}의 {supplier} 상한을 {cap}에서 1%p 올리면 최소 비용은 연 {cost}{risk} "
        "바뀝니다.",
    ),
    "why.risk_loss": (" and the {measure} loss by {usd}", ", {measure} 손실은 {usd}"),
    "why.risk_weighted": (" and the weighted {measure} by {x}", ", 포트폴리오 {measure}는 {x}"),
    "why.bloc_full": (
        "The {bloc} minimum for {element}{at} ({minimum}) already takes all that {bloc} members "
        "can supply ({reachable}): it cannot be raised.",
        "{element}{at}의 {bloc} 최소 비중({minimum})은 이미 {bloc} 회원국이 공급할 수 있는 "
        "전부({reachable})를 씁니다. 더 올릴 수 없습니다.",
    ),
    "why.bloc_price": (
        "Raising the {bloc} minimum for {element}{at} by one point (from {minimum}) changes the "
        "least cost by {cost} a year{risk}.",
        "{element}{at}의 {bloc} 최소 비중을 {minimum}에서 1%p 올리면 최소 비용은 연 "
        "{cost}{risk} 바뀝니다.",
    ),
    "why.riskcap_excess": (
        "No mix of the supply that can be had keeps the {measure} cap for {element}{at} "
        "({cap}): see the caps not met; its dual prices the excess, not the cap.",
        "구할 수 있는 공급의 어떤 조합도 {element}{at}의 {measure} 상한({cap})을 지키지 "
        "못합니다. '지키지 못한 위험 상한'을 보십시오. 이 쌍대 가격은 상한이 아니라 초과분의 "
        "가격입니다.",
    ),
    "why.riskcap_short": (
        "The {measure} cap for {element}{at} ({cap}) is part of why {element} falls short: "
        "loosen it or add capacity.",
        "{element}{at}의 {measure} 상한({cap})은 {element} 공급 부족의 한 원인입니다. 상한을 "
        "완화하거나 생산능력을 늘리십시오.",
    ),
    "why.riskcap_price": (
        "Loosening the {measure} cap for {element}{at} by 0.01 (from {cap}) changes the least "
        "cost by {cost} a year{risk}.",
        "{element}{at}의 {measure} 상한을 {cap}에서 0.01 완화하면 최소 비용은 연 {cost}{risk} "
        "바뀝니다.",
    ),
    "why.ceiling_budget": (
        "{element} is held above today's {measure} by the budget: see 'above today'.",
        "{element}은(는) 예산 때문에 현재 {measure}보다 높게 남습니다. '현재 수준 초과'를 "
        "보십시오.",
    ),
    "why.ceiling_price": (
        "Letting {element}'s {measure} rise 0.01 above today's level changes the weighted "
        "{measure} by {effect}.",
        "{element}의 {measure}가 현재 수준보다 0.01 높아지도록 허용하면 포트폴리오 {measure}는 "
        "{effect} 바뀝니다.",
    ),
    "why.premium_price": (
        "One more point of budget premium (now {premium}, {usd}) changes the {measure} by "
        "{effect}.",
        "예산 추가율을 1%p 늘리면(현재 {premium}, {usd}) {measure}는 {effect} 바뀝니다.",
    ),
    "why.budget_price": (
        "One more million USD of budget changes the {measure} by {effect}.",
        "예산을 100만 USD 늘리면 {measure}는 {effect} 바뀝니다.",
    ),
    "why.above_today": (
        "{element}'s {measure} rises from {today} today to {optimized}: {why}.",
        "{element}의 {measure}가 현재 {today}에서 {optimized}(으)로 오릅니다. {why}.",
    ),
    "why.no_budget_holds": (
        "no budget can keep it at today's level with these caps and this supply (the caps or a "
        "shortfall force it up)",
        "이 상한과 공급으로는 어떤 예산으로도 현재 수준을 지킬 수 없습니다(상한이나 공급 부족이 "
        "끌어올림)",
    ),
    "why.budget_holds": (
        "the budget cannot keep every element at today's level; a budget of about {hold} "
        "million USD a year{premium} would",
        "이 예산으로는 모든 원소를 현재 수준에 둘 수 없습니다. 연 약 {hold}백만 USD{premium}의 "
        "예산이면 가능합니다",
    ),
    "why.hold_premium": (", {premium} over the least cost", "(최소 비용보다 {premium} 많음)"),
    "why.cap_not_met": (
        "The {measure} cap of {cap} for {element} at the {stage} stage cannot be kept by any "
        "mix that supplies what can be supplied: it reaches {got}. Loosen the cap or add "
        "capacity outside the largest suppliers.",
        "{element}의 {stage} 단계 {measure} 상한 {cap}은(는) 공급할 수 있는 만큼 공급하는 어떤 "
        "조합으로도 지킬 수 없으며 {got}에 이릅니다. 상한을 완화하거나 최대 공급국 밖의 "
        "생산능력을 늘리십시오.",
    ),
    # --- glossary --------------------------------------------------------------------------
    "glossary.title": ("Glossary", "용어 설명"),
    "glossary.hhi.term": ("HHI (Herfindahl-Hirschman index)", "HHI (허핀달-허쉬만 지수)"),
    "glossary.hhi.text": (
        "The sum of the squared shares of the countries supplying an element at a stage: 1 when "
        "one country supplies everything, near 0 when many supply a little each. Lower is more "
        "diversified.",
        "한 단계에서 원소를 공급하는 나라별 비중 제곱의 합입니다. 한 나라가 전부 공급하면 1, 여러 "
        "나라가 조금씩 공급하면 0에 가깝습니다. 낮을수록 분산되어 있습니다.",
    ),
    "glossary.wgi_hhi.term": ("Governance-weighted HHI", "거버넌스 가중 HHI"),
    "glossary.wgi_hhi.text": (
        "The HHI with each squared share multiplied by the country's governance risk (0-10), so "
        "concentration in a poorly governed country counts more.",
        "비중 제곱마다 그 나라의 거버넌스 위험(0-10)을 곱한 HHI로, 거버넌스가 취약한 나라에 대한 "
        "집중을 더 무겁게 셉니다.",
    ),
    "glossary.wgi.term": ("WGI", "WGI"),
    "glossary.wgi.text": (
        "World Bank Worldwide Governance Indicators; the data turn them into a governance risk "
        "from 0 (low) to 10 (high).",
        "세계은행 세계 거버넌스 지표입니다. 데이터는 이를 0(낮음)부터 10(높음)까지의 거버넌스 "
        "위험으로 바꿔 씁니다.",
    ),
    "glossary.cvar.term": ("CVaR (conditional value at risk)", "CVaR (조건부 위험가치)"),
    "glossary.cvar.text": (
        "The mean loss in the worst tail of outcomes: CVaR at 0.90 is the average of the worst "
        "10% of disruption outcomes, weighted by their probability.",
        "결과 분포에서 최악 꼬리 구간의 평균 손실입니다. 0.90의 CVaR는 공급 중단 결과 중 최악 "
        "10%를 확률로 가중한 평균입니다.",
    ),
    "glossary.reo.term": ("t REO", "t REO (희토류 산화물 환산 톤)"),
    "glossary.reo.text": (
        "Tonnes of rare-earth oxide equivalent: metal, alloy and magnets are counted by the "
        "oxide they contain, so stages add up.",
        "희토류 산화물 환산 톤입니다. 금속, 합금, 자석도 들어 있는 산화물 양으로 세므로 단계끼리 "
        "더할 수 있습니다.",
    ),
    "glossary.pp.term": ("pp (percentage points)", "pp (퍼센트포인트)"),
    "glossary.pp.text": (
        "The difference between two percentages: from 60% to 45% is -15 pp.",
        "두 백분율의 차이입니다. 60%에서 45%가 되면 -15pp입니다.",
    ),
    "glossary.bloc.term": ("Bloc", "협력 블록"),
    "glossary.bloc.text": (
        "A group of countries the data tag together (FORGE, FTA partners, ASEAN, domestic "
        "recycling); a bloc minimum asks that share of every element from its members.",
        "데이터에서 함께 묶은 나라들(FORGE, FTA 상대국, ASEAN, 국내 재활용)입니다. 블록 최소 "
        "비중은 모든 원소에서 그 회원국이 그만큼 공급하도록 요구합니다.",
    ),
    "glossary.forge.term": ("FORGE", "FORGE"),
    "glossary.forge.text": (
        "Forum on Resource Geostrategic Engagement: the US-led critical-minerals forum that "
        "replaced the Minerals Security Partnership on 4 Feb 2026. No official member list was "
        "found; the data use the former MSP partners (edit the blocs column).",
        "자원 지정학 협력 포럼(Forum on Resource Geostrategic Engagement)으로, 2026년 2월 4일 "
        "핵심광물안보파트너십(MSP)을 대체한 미국 주도 핵심광물 협의체입니다. 공식 회원 명단이 "
        "없어 데이터는 기존 MSP 협력국을 씁니다(blocs 열에서 수정).",
    ),
    "glossary.fta.term": ("FTA partner", "FTA 상대국"),
    "glossary.fta.text": (
        "A country with a free-trade agreement with Korea in force.",
        "한국과 자유무역협정이 발효된 나라입니다.",
    ),
    "glossary.asean.term": ("ASEAN", "ASEAN (동남아시아국가연합)"),
    "glossary.asean.text": (
        "The Association of Southeast Asian Nations (Vietnam, Laos, Myanmar, Malaysia, "
        "Thailand and others).",
        "동남아시아국가연합입니다(베트남, 라오스, 미얀마, 말레이시아, 태국 등).",
    ),
    "glossary.stage.term": ("Stage", "공정 단계"),
    "glossary.stage.text": (
        "A step of the chain from ore to magnet; a tonne is counted at each stage in the "
        "country whose plant did that step.",
        "광석에서 자석까지 이어지는 공급망의 한 단계입니다. 1톤은 각 단계에서 그 공정을 수행한 "
        "공장이 있는 나라에 집계됩니다.",
    ),
    "glossary.mine.term": ("Mine", "채굴"),
    "glossary.mine.text": (
        "Ore mined and concentrated.",
        "광석을 캐고 정광으로 만드는 단계입니다.",
    ),
    "glossary.separation.term": ("Separation", "분리"),
    "glossary.separation.text": (
        "Concentrate separated into the individual rare-earth oxides.",
        "정광을 개별 희토류 산화물로 분리하는 단계입니다.",
    ),
    "glossary.metal.term": ("Metal", "금속"),
    "glossary.metal.text": (
        "Oxides reduced to metal and alloys.",
        "산화물을 금속과 합금으로 환원하는 단계입니다.",
    ),
    "glossary.magnet.term": ("Magnet", "자석"),
    "glossary.magnet.text": (
        "Alloys made into permanent magnets (NdFeB).",
        "합금으로 영구자석(NdFeB)을 만드는 단계입니다.",
    ),
    "glossary.worst_stage.term": ("Worst stage", "가장 취약한 단계"),
    "glossary.worst_stage.text": (
        "The stage where China's share is highest: a chain is as exposed as its most "
        "concentrated step.",
        "중국 비중이 가장 높은 단계입니다. 공급망은 가장 집중된 단계만큼 취약합니다.",
    ),
    "glossary.ceiling.term": ("Today's ceiling", "현재 수준 상한"),
    "glossary.ceiling.text": (
        "No element may end more concentrated than today; where the budget cannot hold it, the "
        "app says by how much and what budget would.",
        "어떤 원소도 현재보다 더 집중되면 안 된다는 조건입니다. 예산으로 지킬 수 없으면 얼마나 "
        "넘는지와 필요한 예산을 알려 줍니다.",
    ),
    "glossary.shadow.term": ("Shadow price", "잠재 가격"),
    "glossary.shadow.text": (
        "What loosening a constraint by one point would save in least cost or gain in the "
        "objective; shown only where it is true.",
        "제약을 1포인트 완화하면 최소 비용이 얼마나 줄거나 목표가 얼마나 좋아지는지입니다. 값이 "
        "정확한 경우에만 표시합니다.",
    ),
    "glossary.binding.term": ("Binding", "구속적"),
    "glossary.binding.text": (
        "A constraint that holds exactly at the result: loosening it would change the result.",
        "결과에서 정확히 한계에 닿아 있는 제약입니다. 완화하면 결과가 바뀝니다.",
    ),
    "glossary.shortfall.term": ("Shortfall", "공급 부족"),
    "glossary.shortfall.text": (
        "Demand, or a bloc minimum, that no allowed supply can meet under the policy; the app "
        "splits it by cause.",
        "정책상 허용된 공급으로 채울 수 없는 수요나 블록 최소 비중입니다. 원인별로 나눠 "
        "보여 줍니다.",
    ),
    "glossary.komir.term": ("KOMIR", "KOMIR (한국광해광업공단)"),
    "glossary.komir.text": (
        "Korea Mine Rehabilitation and Mineral Resources Corporation, which holds Korea's "
        "strategic stockpile.",
        "한국광해광업공단으로, 한국의 전략 비축을 관리합니다.",
    ),
    "glossary.eok.term": ("억원 (eok won)", "억원"),
    "glossary.eok.text": (
        "100 million Korean won (10^8 KRW); 1조원 = 10,000억원.",
        "1억 원(10^8원)입니다. 1조원 = 10,000억원.",
    ),
}


def _catalogue() -> dict[str, dict[str, str]]:
    return {k: {"en": en, "ko": ko} for k, (en, ko) in _PAIRS.items()}


CATALOGUE: dict[str, dict[str, str]] = _catalogue()


def text(key: str, lang: str = DEFAULT_LANGUAGE, /, **values: Any) -> str:
    """The message `key` in `lang` ('ko' or 'en'), placeholders filled from `values`."""
    entry = CATALOGUE[key]
    template = entry.get(lang) or entry[DEFAULT_LANGUAGE]
    return template.format(**values) if values else template


# --- structured explanations ----------------------------------------------------------------
# A `why` is {"id": message id, "args": {name: value}}; a value is text already formatted (a
# number, a name from data), a nested why, a list of whys (joined with "; "), or a word of the
# library ({"word": "stage" or "measure", "code": ...}): the code itself in English, the
# catalogue's name for it in another language.


def why(key: str, /, **args: Any) -> dict[str, Any]:
    return {"id": key, "args": args}


def word(kind: str, code: str) -> dict[str, str]:
    return {"word": kind, "code": code}


def render(value: Any, lang: str = DEFAULT_LANGUAGE) -> str:
    """A why (or a nested value of one) as text in `lang`; in English it is the library's own
    sentence, word for word."""
    if isinstance(value, list | tuple):
        return "; ".join(render(v, lang) for v in value)
    if isinstance(value, dict) and "word" in value:
        code = str(value["code"])
        key = f"{value['word']}.{code}"
        if lang == DEFAULT_LANGUAGE or key not in CATALOGUE:
            return code
        return text(key, lang)
    if isinstance(value, dict) and "id" in value:
        args = {k: render(v, lang) for k, v in value.get("args", {}).items()}
        return text(value["id"], lang, **args)
    return str(value)


def explain(frame: Any, lang: str = DEFAULT_LANGUAGE) -> list[str]:
    """The explanations of a library frame (shortfalls, shadow prices, above today, caps not
    met) in `lang`, row by row: each row's why (frame.attrs["why"], by row label) rendered,
    or the row's own English text where it has none (a frame read back from a file)."""
    whys = getattr(frame, "attrs", {}).get("why") or {}
    return [
        render(whys[label], lang) if label in whys else str(text_)
        for label, text_ in zip(frame.index, frame["explanation"], strict=True)
    ]


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def problems() -> list[str]:
    """What is wrong with the catalogue: a missing language, a blank message, placeholders that
    differ between the languages."""
    out = []
    for key, entry in CATALOGUE.items():
        for lang in LANGUAGES:
            if not entry.get(lang, "").strip():
                out.append(f"{key}: no {lang} text")
        if placeholders(entry["en"]) != placeholders(entry["ko"]):
            out.append(f"{key}: placeholders differ")
    for term in GLOSSARY:
        for part in ("term", "text"):
            if f"glossary.{term}.{part}" not in CATALOGUE:
                out.append(f"glossary.{term}.{part}: missing")
    return out
