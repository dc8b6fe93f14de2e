"""The one translation table of the report, its charts and tables: every label a reader sees
comes from :data:`LABELS` through :func:`tr` (Chinese by default, English on request).

Names the table does not hold (a scheme, ledger, income source, spending category, scenario or
variable added later) fall back to their declared report label or their name with underscores
as spaces, so new layers appear in the report without a change here; add a row to translate
them.
"""

from __future__ import annotations

LANGUAGES = ("zh", "en")

#: key -> (Chinese, English)
LABELS: dict[str, tuple[str, str]] = {
    # headings
    "report_title": ("医疗保险基金精算报告", "Medical-insurance fund actuarial report"),
    "summary": ("基金收支与结余摘要", "Summary of fund income, spending and balance"),
    "fan_charts": ("累计结余可支付月数预测", "Projected months of reserves"),
    "balance_charts": ("累计结余预测", "Projected accumulated balance"),
    "population": ("人口结构", "Population structure"),
    "warnings": ("风险预警", "Early warnings"),
    "scenarios": ("政策情景比较", "Policy scenario comparison"),
    "tornado": ("敏感性分析", "Sensitivity analysis"),
    "budget": ("基金预算", "Fund budget"),
    "execution": ("月度预算执行", "Monthly budget execution"),
    "provenance": ("数据来源与可追溯信息", "Provenance"),
    "region": ("地区", "Region"),
    "scheme": ("险种", "scheme"),
    "city_wide": ("全市指标", "city-wide"),
    "contents": ("目录", "Contents"),
    # units and measures
    "unit_wan": ("万元", "CNY 10,000"),
    "unit_yi": ("亿元", "CNY 100 million"),
    "months": ("月", "months"),
    "persons": ("人", "persons"),
    "year": ("年度", "year"),
    "income": ("收入", "income"),
    "spending": ("支出", "spending"),
    "balance": ("累计结余", "accumulated balance"),
    "current_balance": ("当期结余", "current-year balance"),
    "reserve_months": ("累计结余可支付月数", "months of reserves"),
    "surplus_rate": ("当期结余率", "current-year surplus rate"),
    "dependency_ratio": ("在职退休比", "active:retired ratio"),
    "old_age_ratio": ("老年抚养比", "old-age ratio"),
    "coverage": ("参保率", "coverage"),
    "insured": ("参保人数（1月1日）", "insured members at 1 January"),
    "interest": ("利息收入", "interest"),
    "opening_balance": ("年初累计结余", "balance at 1 January"),
    "trend_index": ("医疗费用增长指数（基准年=1）", "medical cost trend index (base year = 1)"),
    "contribution_base": ("平均缴费基数（元）", "average contribution base (CNY)"),
    "flexible_contribution_base": ("灵活就业人员平均缴费基数（元）", "flexible workers' contribution base (CNY)"),
    "growth_gap": ("支出增幅减收入增幅", "spending growth minus income growth"),
    "spending_per_member_growth": ("人均支出增长率", "spending per member growth"),
    "income_per_member_growth": ("人均筹资增长率", "income per member growth"),
    "balance_to_income": ("累计结余占当年筹资比例", "balance / year's funds raised"),
    "insured_births": ("参保女性生育人数", "births among insured women"),
    "critical_illness_claims": ("大病保险预期赔付", "expected critical-illness insurance claims (大病保险)"),
    "ltc_disabled": ("长期护理保险重度失能参保人数", "severely disabled covered members"),
    "city_fiscal_cost": ("市本级居民医保财政补助", "the city's own fiscal cost of the resident subsidy"),
    "city_fiscal_cost_per_capita": ("市本级居民医保财政补助人均（元）",
                                    "the city's own fiscal cost of the resident subsidy per inhabitant"),
    "median": ("中位数", "median"),
    "best_estimate": ("最优估计", "best estimate"),
    "band_80": ("80%区间", "80% interval"),
    "band_50": ("50%区间", "50% interval"),
    "probability": ("概率", "probability"),
    "male": ("男", "male"),
    "female": ("女", "female"),
    "age": ("年龄（100表示100岁及以上）", "age (100 = 100 and over)"),
    "persons_axis": ("人数", "persons"),
    "low_case": ("低情形", "low case"),
    "high_case": ("高情形", "high case"),
    "change_in_balance": ("期末累计结余变化", "change in closing balance"),
    # warning table
    "rule": ("预警规则", "rule"),
    "level": ("预警级别", "level"),
    "first_year": ("首次触发年度", "first year"),
    "max_probability": ("最大触发概率", "highest probability"),
    "year_of_max": ("概率最大年度", "year of highest probability"),
    "fired": ("是否触发", "fired"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "no_warnings": ("无预警触发", "no warning line is crossed"),
    "warning_line": ("预警线", "warning line"),
    # warning levels
    "level_red": ("红色", "red"),
    "level_orange": ("橙色", "orange"),
    "level_yellow": ("黄色", "yellow"),
    "level_blue": ("蓝色", "blue"),
    "level_surplus": ("结余过多", "excess surplus"),
    # schemes, ledgers, statuses
    "scheme_employee": ("职工基本医疗保险", "employee scheme"),
    "scheme_resident": ("城乡居民基本医疗保险", "resident scheme"),
    "scheme_ltc": ("长期护理保险", "long-term care insurance"),
    "scheme_assistance": ("医疗救助", "medical assistance"),
    "ledger_pooled_fund": ("统筹基金", "pooled fund"),
    "ledger_personal_accounts": ("个人账户", "personal accounts"),
    "ledger_resident_fund": ("居民医保基金", "resident fund"),
    "status_active": ("在职职工", "active"),
    "status_retired": ("退休人员", "retired"),
    "status_resident": ("城乡居民", "resident"),
    "status_flexible": ("灵活就业人员", "flexible workers"),
    # budget lines (scheme declarations' labels) and columns
    "section_income": ("收入", "income"),
    "section_spending": ("支出", "spending"),
    "section_result": ("结余", "result"),
    "item_total income": ("收入合计", "total income"),
    "item_total spending": ("支出合计", "total spending"),
    "item_interest": ("利息收入", "interest"),
    "item_other income": ("其他收入", "other income"),
    "item_other spending": ("其他支出", "other spending"),
    "item_current-year balance (income - spending)": ("当期结余（收入-支出）", "current-year balance (income - spending)"),
    "item_closing balance 31 December": ("年末累计结余", "closing balance 31 December"),
    "item_flexible workers' contributions": ("灵活就业人员缴费", "flexible workers' contributions"),
    "item_personal accounts": ("个人账户支出", "personal accounts"),
    "item_employer contributions": ("单位缴费", "employer contributions"),
    "item_employee contributions": ("个人缴费", "employee contributions"),
    "item_resident premiums": ("个人缴费（居民）", "resident premiums"),
    "item_fiscal subsidies": ("财政补助", "fiscal subsidies"),
    "item_inpatient": ("住院支出", "inpatient"),
    "item_outpatient": ("门诊支出", "outpatient"),
    "item_critical-illness transfer": ("大病保险资金", "critical-illness transfer"),
    "item_maternity": ("生育医疗费用", "maternity"),
    "line_employer": ("单位缴费", "employer"),
    "line_employee": ("个人缴费", "employee"),
    "line_premium": ("居民个人缴费", "premium"),
    "line_subsidy": ("财政补助", "subsidy"),
    "line_to_personal_accounts": ("划入个人账户", "to personal accounts"),
    "line_total": ("合计", "total"),
    "line_inpatient": ("住院", "inpatient"),
    "line_outpatient": ("门诊", "outpatient"),
    "line_critical_illness": ("大病保险", "critical illness"),
    "budget_current": ("上年", "previous year"),
    "budget_change": ("增减", "change"),
    "budget_line": ("项目", "line"),
    # scenarios and sensitivity
    "scenario": ("情景", "scenario"),
    "scenario_baseline": ("基准情景", "baseline"),
    "closing_balance": ("期末累计结余", "closing balance"),
    "alerts_fired": ("触发预警数", "warnings fired"),
    "assumption": ("假设", "assumption"),
    "shift_medical inflation +/-1 point": ("医疗价格增长±1个百分点", "medical inflation +/-1 point"),
    "shift_utilisation growth +/-1 point": ("医疗服务利用增长±1个百分点", "utilisation growth +/-1 point"),
    "shift_resident inpatient fund share +/-5 points": ("居民住院基金支付比例±5个百分点", "resident inpatient fund share +/-5 points"),
    "shift_resident premium +/-10%": ("居民个人缴费±10%", "resident premium +/-10%"),
    "shift_interest rate +/-1 point": ("利率±1个百分点", "interest rate +/-1 point"),
    "shift_mortality improvement +/-1% a year": ("死亡率改善每年±1%", "mortality improvement +/-1% a year"),
    "shift_resident enrolment +/-2 points": ("居民参保率±2个百分点", "resident enrolment +/-2 points"),
    "shift_employer rate +/-0.5 point": ("单位缴费率±0.5个百分点", "employer rate +/-0.5 point"),
    "shift_wage growth +/-1 point": ("工资增长±1个百分点", "wage growth +/-1 point"),
    # execution
    "exec_line": ("项目", "line"),
    "exec_budget": ("年度预算", "budget"),
    "exec_ytd": ("累计执行", "to date"),
    "exec_rate": ("执行进度", "execution"),
    "time_progress": ("序时进度", "time progress"),
    "exec_gap": ("差距（百分点）", "gap (points)"),
    # provenance
    "package_version": ("软件版本", "package version"),
    "assumption_set": ("假设集", "assumption set"),
    "assumption_hash": ("假设文件哈希", "assumption hash"),
    "seed": ("随机种子", "seed"),
    "draws": ("模拟次数", "draws"),
    "levers": ("政策杠杆", "levers"),
    "created": ("生成时间", "created"),
    "base_year": ("基准年度", "base year"),
    "horizon": ("预测期（年）", "horizon (years)"),
    "job": ("预测任务", "job"),
    "deterministic": ("确定性（最优估计）", "deterministic (best estimate)"),
    "none": ("无", "none"),
    "notes_money": ("金额为名义人民币。", "Money in nominal CNY."),
    "notes_fan": ("阴影为各预警级别对应区间；实线为中位数，浅色带为模拟区间。",
                  "Shaded zones are the warning levels' bands; the line is the median, bands are draw intervals."),
}


def tr(key: str, lang: str = "zh", default: str | None = None) -> str:
    """The label of ``key`` in ``lang``; ``default`` (or the key with underscores as spaces)
    when the table has no row for it."""
    if lang not in LANGUAGES:
        raise ValueError(f"language {lang!r}: expected one of {LANGUAGES}")
    row = LABELS.get(key)
    if row is None:
        return default if default is not None else key.split("_", 1)[-1].replace("_", " ")
    return row[LANGUAGES.index(lang)] or (default or "")


def name(kind: str, value: str, lang: str = "zh") -> str:
    """The label of a declared name: ``name("scheme", "employee")``, ``name("level", "red")``."""
    return tr(f"{kind}_{value}", lang, default=str(value).replace("_", " "))
