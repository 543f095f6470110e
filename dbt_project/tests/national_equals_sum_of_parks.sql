-- 全国 = Σ园区：national_quarter against the park facts it sums, recomputed here from fct_park_quarter:
-- flows and stocks Σ value_ytd, ratios Σ numerator / Σ denominator × multiplier, over values not in error.
-- Returns the quarters and indicators that disagree beyond a relative 1e-9 (floating rounding only).
with fct_park_quarter as (

    select * from {{ ref('fct_park_quarter') }}
    where {{ quarters_to_test('fct_park_quarter', ['national_quarter']) }}

),

national_quarter as (

    select * from {{ ref('national_quarter') }}
    where {{ quarters_to_test('national_quarter', ['fct_park_quarter']) }}

),

indicators as (

    select * from {{ ref('indicators') }}

),

usable_values as (

    select
        fct_park_quarter.*,
        indicators.numerator,
        indicators.denominator,
        indicators.multiplier
    from fct_park_quarter
    inner join indicators
        on fct_park_quarter.indicator_code = indicators.indicator_code
    where fct_park_quarter.quality_status <> 'error' and fct_park_quarter.value_ytd is not null

),

ratio_components as (

    select
        ratios.quarter,
        ratios.indicator_code,
        sum(numerators.value_ytd) / sum(denominators.value_ytd) * any_value(ratios.multiplier) as value_ytd,
        count(*) as n_parks
    from usable_values as ratios
    inner join fct_park_quarter as numerators
        on
            ratios.park_id = numerators.park_id
            and ratios.quarter = numerators.quarter
            and ratios.numerator = numerators.indicator_code
    inner join fct_park_quarter as denominators
        on
            ratios.park_id = denominators.park_id
            and ratios.quarter = denominators.quarter
            and ratios.denominator = denominators.indicator_code
    where ratios.kind = 'ratio'
    group by ratios.quarter, ratios.indicator_code

),

summed_parks as (

    select
        quarter,
        indicator_code,
        sum(value_ytd) as value_ytd,
        count(*) as n_parks
    from usable_values
    where kind <> 'ratio'
    group by quarter, indicator_code

    union all

    select * from ratio_components

),

final as (

    select
        coalesce(summed_parks.quarter, national_quarter.quarter) as quarter,
        coalesce(summed_parks.indicator_code, national_quarter.indicator_code) as indicator_code,
        summed_parks.value_ytd as parks_value_ytd,
        national_quarter.value_ytd as national_value_ytd,
        summed_parks.n_parks as parks_n,
        national_quarter.n_parks as national_n
    from summed_parks
    full outer join national_quarter
        on
            summed_parks.quarter = national_quarter.quarter
            and summed_parks.indicator_code = national_quarter.indicator_code
    where
        summed_parks.quarter is null
        or national_quarter.quarter is null
        or summed_parks.n_parks <> national_quarter.n_parks
        or abs(summed_parks.value_ytd - national_quarter.value_ytd) > 1e-9 * abs(summed_parks.value_ytd)

)

select * from final
