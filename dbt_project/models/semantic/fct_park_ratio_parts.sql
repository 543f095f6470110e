-- the numerator and denominator behind every published park ratio, so that a ratio is aggregated as
-- Σ numerator / Σ denominator over the parks that have both (the semantic layer's ratio metrics read this)
-- incremental (macros/incremental/reprocessed_quarters.sql): each quarter stands alone, the reprocessed ones
-- replace theirs
{{ config(**incremental_by_quarter(quarter_index('year', 'quarter_num'))) }}
{%- set since = reprocess_since() %}

with park_quarter_values as (

    select * from {{ ref('fct_park_quarter') }}
    where {{ reprocessed(quarter_index('year', 'quarter_num'), since) }}

),

indicators as (

    select * from {{ ref('indicators') }}

),

ratio_values as (

    select
        park_quarter_values.park_id,
        park_quarter_values.quarter,
        park_quarter_values.year,
        park_quarter_values.quarter_num,
        park_quarter_values.quarter_end,
        park_quarter_values.indicator_code,
        park_quarter_values.value_ytd,
        park_quarter_values.quality_status,
        indicators.numerator as numerator_code,
        indicators.denominator as denominator_code,
        indicators.multiplier
    from park_quarter_values
    inner join indicators
        on park_quarter_values.indicator_code = indicators.indicator_code
    where indicators.kind = 'ratio'

),

final as (

    select
        ratio_values.park_id::varchar as park_id,
        ratio_values.quarter::varchar as quarter,
        ratio_values.year::integer as year,
        ratio_values.quarter_num::integer as quarter_num,
        ratio_values.quarter_end::date as quarter_end,
        ratio_values.indicator_code::varchar as indicator_code,
        ratio_values.value_ytd::double as value_ytd,
        ratio_values.numerator_code::varchar as numerator_code,
        numerators.value_ytd::double as numerator_ytd,
        ratio_values.denominator_code::varchar as denominator_code,
        denominators.value_ytd::double as denominator_ytd,
        ratio_values.multiplier::double as multiplier,
        ratio_values.quality_status::varchar as quality_status
    from ratio_values
    inner join park_quarter_values as numerators
        on
            ratio_values.park_id = numerators.park_id
            and ratio_values.quarter = numerators.quarter
            and ratio_values.numerator_code = numerators.indicator_code
    inner join park_quarter_values as denominators
        on
            ratio_values.park_id = denominators.park_id
            and ratio_values.quarter = denominators.quarter
            and ratio_values.denominator_code = denominators.indicator_code

)

select * from final
