{#
    The audit rules judged on submitted levels, before anything is derived from them (seeds/audit_rules.csv):
    above_ceiling (R09) and magnitude_jump (R10) first, then ytd_decrease (R01) and part_exceeds_whole (R02, R03)
    among the values those two left standing, so that one unit slip is one finding and not also a "fall" of the
    correct value after it. Every rule here is an error: a value found here is held out of everything derived.
    Incremental: the reprocessed quarters are judged; R01 reads the quarter before them.
#}
{{ config(**incremental_by_quarter(quarter_index_of_label('quarter'))) }}
{%- set since = reprocess_since() %}

with park_quarter_levels as (

    select * from {{ ref('int_park_quarter_levels') }}
    where {{ reprocessed('quarter_index', since, looking_back=1) }}

),

rules_by_indicator as (

    {{ audit_rules_by_indicator(['above_ceiling', 'magnitude_jump', 'ytd_decrease', 'part_exceeds_whole']) }}

),

checked_values as (

    select
        park_quarter_levels.*,
        {{ rule_columns() }}
    from park_quarter_levels
    inner join rules_by_indicator
        on park_quarter_levels.indicator_code = rules_by_indicator.indicator_code
    where {{ reprocessed('park_quarter_levels.quarter_index', since) }}

),

-- values that are not implausible in size: the only ones the comparing rules may compare
plausible_levels as (

    select * from park_quarter_levels
    where not is_above_ceiling and not is_magnitude_jump

),

values_above_ceiling as (

    select
        checked.park_id,
        checked.quarter,
        checked.indicator_code,
        checked.rule_id,
        checked.severity,
        {{ fill_message('checked.message_zh', common_message_fillings(), {
            'ceiling': message_number('checked.plausibility_ceiling'),
        }) }} as message,
        checked.value_ytd as value
    from checked_values as checked
    where
        checked.rule_type = 'above_ceiling'
        and checked.is_above_ceiling

),

magnitude_jumps as (

    select
        checked.park_id,
        checked.quarter,
        checked.indicator_code,
        checked.rule_id,
        checked.severity,
        {{ fill_message('checked.message_zh', common_message_fillings(), {
            'reference_quarter': 'checked.reference_quarter',
            'reference_value': message_number('checked.reference_value'),
            'ratio': message_number('checked.value_ytd / checked.reference_value'),
        }) }} as message,
        checked.value_ytd as value
    from checked_values as checked
    where
        checked.rule_type = 'magnitude_jump'
        and checked.is_magnitude_jump
        and not checked.is_above_ceiling

),

ytd_decreases as (

    select
        checked.park_id,
        checked.quarter,
        checked.indicator_code,
        checked.rule_id,
        checked.severity,
        {{ fill_message('checked.message_zh', common_message_fillings(), {
            'previous_value': message_number('previous_quarter.value_ytd'),
        }) }} as message,
        checked.value_ytd as value
    from checked_values as checked
    inner join plausible_levels as previous_quarter
        on
            checked.park_id = previous_quarter.park_id
            and checked.indicator_code = previous_quarter.indicator_code
            and checked.year = previous_quarter.year
            and checked.quarter_num = previous_quarter.quarter_num + 1
    where
        checked.rule_type = 'ytd_decrease'
        and not checked.is_above_ceiling
        and not checked.is_magnitude_jump
        and previous_quarter.value_ytd - checked.value_ytd > checked.tolerance * abs(previous_quarter.value_ytd)

),

parts_exceeding_wholes as (

    select
        checked.park_id,
        checked.quarter,
        checked.indicator_code,
        checked.rule_id,
        checked.severity,
        {{ fill_message('checked.message_zh', common_message_fillings(), {
            'related_indicator': 'whole_indicators.name_zh',
            'related_value': message_number('wholes.value_ytd'),
            'related_unit': 'whole_indicators.unit',
        }) }} as message,
        checked.value_ytd as value
    from checked_values as checked
    inner join plausible_levels as wholes
        on
            checked.park_id = wholes.park_id
            and checked.quarter = wholes.quarter
            and checked.related_indicator_code = wholes.indicator_code
    inner join {{ ref('indicators') }} as whole_indicators
        on wholes.indicator_code = whole_indicators.indicator_code
    where
        checked.rule_type = 'part_exceeds_whole'
        and not checked.is_above_ceiling
        and not checked.is_magnitude_jump
        and checked.value_ytd - wholes.value_ytd > checked.tolerance * abs(wholes.value_ytd)

),

final as (

    select * from values_above_ceiling
    union all
    select * from magnitude_jumps
    union all
    select * from ytd_decreases
    union all
    select * from parts_exceeding_wholes

)

select * from final
