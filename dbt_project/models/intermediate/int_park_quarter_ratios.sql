with park_quarters as (

    select * from {{ ref('int_park_quarters_differenced') }}

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

-- a ratio is computed from its own park's components of the same quarter (flows on their year-to-date);
-- without a positive denominator there is no ratio
final as (

    select
        numerators.park_id,
        numerators.quarter,
        numerators.year,
        numerators.quarter_num,
        ratio_definitions.indicator_code,
        'ratio' as kind,
        numerators.value_ytd / denominators.value_ytd * ratio_definitions.multiplier as value_ytd,
        ratio_definitions.numerator as numerator_code,
        ratio_definitions.denominator as denominator_code,
        numerators.value_ytd as numerator_ytd,
        denominators.value_ytd as denominator_ytd,
        ratio_definitions.multiplier,
        numerators.revision_count + denominators.revision_count as revision_count
    from ratio_definitions
    inner join park_quarters as numerators
        on ratio_definitions.numerator = numerators.indicator_code
    inner join park_quarters as denominators
        on
            numerators.park_id = denominators.park_id
            and numerators.year = denominators.year
            and numerators.quarter_num = denominators.quarter_num
            and ratio_definitions.denominator = denominators.indicator_code
    where denominators.value_ytd > 0

)

select * from final
