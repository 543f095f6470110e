{#
    The indicators of seeds/indicators.csv in their sort order, one scorecard column (and its YoY) each.
    Static because an enforced contract needs the columns known at parse time; a dbt test
    (assert_scorecard_has_every_indicator) and tests/test_marts_comparison.py check it against the seed.
#}
{% macro scorecard_indicators() -%}
    {{ return([
        'gdp',
        'revenue',
        'industrial_output',
        'industrial_value_added',
        'net_profit',
        'taxes_paid',
        'exports',
        'rd_expenditure',
        'tech_contract_turnover',
        'invention_patents_granted',
        'energy_consumption',
        'invention_patents_owned',
        'high_tech_enterprises',
        'tech_smes',
        'gazelle_enterprises',
        'unicorn_enterprises',
        'employees',
        'incubators',
        'rd_intensity',
        'patents_per_10k_employees',
        'revenue_per_employee',
        'profit_margin',
        'tax_to_revenue',
        'export_share',
        'energy_intensity',
    ]) }}
{%- endmacro %}
