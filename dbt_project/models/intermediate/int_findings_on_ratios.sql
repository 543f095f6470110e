-- The audit rules judged on ratios computed from components that passed the level rules: ratio_above (R04).
{{ config(**incremental_by_quarter(quarter_index_of_label('quarter'))) }}
{%- set since = reprocess_since() %}

with park_quarter_ratios as (

    select * from {{ ref('int_park_quarter_ratios') }}
    where {{ reprocessed('quarter_index', since) }}

),

rules_by_indicator as (

    {{ audit_rules_by_indicator(['ratio_above']) }}

),

final as (

    select
        checked.park_id,
        checked.quarter,
        checked.indicator_code,
        checked.rule_id,
        checked.severity,
        {{ fill_message('checked.message_zh', common_message_fillings()) }} as message,
        checked.value_ytd as value
    from (
        select
            park_quarter_ratios.*,
            rules_by_indicator.rule_id,
            rules_by_indicator.severity,
            rules_by_indicator.name_zh,
            rules_by_indicator.unit,
            rules_by_indicator.threshold,
            rules_by_indicator.tolerance,
            rules_by_indicator.message_zh
        from park_quarter_ratios
        inner join rules_by_indicator
            on park_quarter_ratios.indicator_code = rules_by_indicator.indicator_code
    ) as checked
    where checked.value_ytd > checked.threshold + checked.tolerance * abs(checked.threshold)

)

select * from final
