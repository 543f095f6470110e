{#
    The values a findings model holds out as errors, one row per park, quarter and indicator, with the ids of the
    error rules that fired on it: what the levels and the ratios are checked against.
#}
{% macro error_rule_ids(findings_relation) -%}
    select
        park_id,
        quarter,
        indicator_code,
        {{ string_agg_ordered('rule_id', "','", 'rule_id') }} as error_rule_ids
    from {{ findings_relation }}
    where severity = 'error'
    group by park_id, quarter, indicator_code
{%- endmacro %}
