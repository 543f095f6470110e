{#
    The rows of seeds/audit_rules.csv of the given rule types, one per indicator they judge, as a select.
    A rule without indicator_code covers every indicator of the kinds its type can judge. Each findings model
    evaluates the rule types of its own stage (levels, ratios, derived values), so every rule keeps one home.
#}
{% macro audit_rules_by_indicator(rule_types) -%}
    select
        audit_rules.rule_id,
        audit_rules.severity,
        audit_rules.rule_type,
        indicators.indicator_code,
        indicators.name_zh,
        indicators.unit,
        indicators.can_be_negative,
        indicators.plausibility_ceiling,
        audit_rules.related_indicator_code,
        audit_rules.threshold,
        coalesce(audit_rules.tolerance, 0) as tolerance,
        audit_rules.min_history,
        audit_rules.message_zh
    from {{ ref('audit_rules') }} as audit_rules
    inner join {{ ref('indicators') }} as indicators
        on
            audit_rules.indicator_code = indicators.indicator_code
            or (
                audit_rules.indicator_code is null
                and (
                    (
                        audit_rules.rule_type = 'ytd_decrease'
                        and indicators.kind = 'flow'
                        and not indicators.can_be_negative
                    )
                    or (audit_rules.rule_type in ('flow_unchanged', 'quarter_outlier') and indicators.kind = 'flow')
                    or (
                        audit_rules.rule_type in ('yoy_above', 'magnitude_jump', 'above_ceiling')
                        and indicators.kind in ('flow', 'stock')
                    )
                )
            )
    where audit_rules.rule_type in ('{{ rule_types | join("', '") }}')
{%- endmacro %}


{#
    What a value judged by a rule carries of the rule, beside its own columns (from `audit_rules_by_indicator`,
    joined on the indicator): one list for the three findings models (levels, ratios, derived values).
#}
{% macro rule_columns(rules='rules_by_indicator') -%}
    {{ rules }}.rule_id,
    {{ rules }}.severity,
    {{ rules }}.rule_type,
    {{ rules }}.name_zh,
    {{ rules }}.unit,
    {{ rules }}.related_indicator_code,
    {{ rules }}.threshold,
    {{ rules }}.tolerance,
    {{ rules }}.min_history,
    {{ rules }}.message_zh
{%- endmacro %}
