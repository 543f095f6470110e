-- The submitted levels with the verdict of the level rules: a value with an error finding is held out of
-- everything derived from it (single quarters, ratios, growth, the history of statistical rules).
{{ config(**incremental_by_quarter('quarter_index')) }}
{%- set since = reprocess_since() %}

with park_quarter_levels as (

    select * from {{ ref('int_park_quarter_levels') }}
    where {{ reprocessed('quarter_index', since) }}

),

level_errors as (

    {{ error_rule_ids(ref('int_findings_on_levels')) }}

),

final as (

    select
        park_quarter_levels.park_id,
        park_quarter_levels.quarter,
        park_quarter_levels.year,
        park_quarter_levels.quarter_num,
        park_quarter_levels.quarter_index,
        park_quarter_levels.indicator_code,
        park_quarter_levels.kind,
        park_quarter_levels.value_ytd,
        park_quarter_levels.previous_quarter_value_ytd,
        park_quarter_levels.revision_count,
        level_errors.park_id is not null as is_error,
        level_errors.error_rule_ids
    from park_quarter_levels
    left join level_errors
        on
            park_quarter_levels.park_id = level_errors.park_id
            and park_quarter_levels.quarter = level_errors.quarter
            and park_quarter_levels.indicator_code = level_errors.indicator_code

)

select * from final
