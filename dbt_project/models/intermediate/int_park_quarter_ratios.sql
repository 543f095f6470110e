-- A ratio is computed from its own park's components of the same quarter (flows on their year-to-date).
-- Without a positive denominator there is no ratio. When a component is held out as an error the ratio is not
-- computed: it stays as a row with no value, marked as derived from an error, so that readers see why it is missing.
{{ config(**incremental_by_quarter('quarter_index')) }}
{%- set since = reprocess_since() %}

with park_quarter_levels as (

    select * from {{ ref('int_park_quarter_levels_checked') }}
    where {{ reprocessed('quarter_index', since) }}

),

indicators as (

    select * from {{ ref('indicators') }}

),

ratio_definitions as (

    select
        indicator_code,
        numerator,
        denominator,
        multiplier
    from indicators
    where kind = 'ratio'

),

paired_components as (

    select
        numerators.park_id,
        numerators.quarter,
        numerators.year,
        numerators.quarter_num,
        numerators.quarter_index,
        ratio_definitions.indicator_code,
        ratio_definitions.numerator as numerator_code,
        ratio_definitions.denominator as denominator_code,
        ratio_definitions.multiplier,
        numerators.value_ytd as numerator_ytd,
        denominators.value_ytd as denominator_ytd,
        numerators.is_error or denominators.is_error as has_component_in_error,
        numerators.revision_count + denominators.revision_count as revision_count
    from ratio_definitions
    inner join park_quarter_levels as numerators
        on ratio_definitions.numerator = numerators.indicator_code
    inner join park_quarter_levels as denominators
        on
            numerators.park_id = denominators.park_id
            and numerators.year = denominators.year
            and numerators.quarter_num = denominators.quarter_num
            and ratio_definitions.denominator = denominators.indicator_code

),

final as (

    select
        park_id,
        quarter,
        year,
        quarter_num,
        quarter_index,
        indicator_code,
        'ratio' as kind,
        case
            when not has_component_in_error then numerator_ytd / denominator_ytd * multiplier
        end as value_ytd,
        numerator_code,
        denominator_code,
        case when not has_component_in_error then numerator_ytd end as numerator_ytd,
        case when not has_component_in_error then denominator_ytd end as denominator_ytd,
        multiplier,
        has_component_in_error,
        revision_count
    from paired_components
    -- a component in error says nothing about the sign of the other: the row is kept to say why it is empty
    where has_component_in_error or denominator_ytd > 0

)

select * from final
