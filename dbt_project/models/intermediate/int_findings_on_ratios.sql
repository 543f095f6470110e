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

checked_values as (

    select
        park_quarter_ratios.*,
        {{ rule_columns() }}
    from park_quarter_ratios
    inner join rules_by_indicator
        on park_quarter_ratios.indicator_code = rules_by_indicator.indicator_code

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
    from checked_values as checked
    where checked.value_ytd > checked.threshold + checked.tolerance * abs(checked.threshold)

)

select * from final
