with checked_values as (

    select * from {{ ref('int_park_quarter_checked') }}

),

dim_park as (

    select * from {{ ref('dim_park') }}

),

-- values in error are held out of every aggregate
usable_values as (

    select * from checked_values
    where quality_status <> 'error'

),

final as (

    select
        this_year.park_id,
        dim_park.region,
        dim_park.province,
        this_year.quarter,
        this_year.year,
        this_year.quarter_num,
        this_year.indicator_code,
        this_year.kind,
        this_year.multiplier,
        this_year.value_ytd,
        this_year.value_q,
        this_year.numerator_ytd,
        this_year.denominator_ytd,
        last_year.value_ytd as last_year_value_ytd,
        last_year.numerator_ytd as last_year_numerator_ytd,
        last_year.denominator_ytd as last_year_denominator_ytd,
        -- like-for-like (可比口径): the park has a usable value in both periods
        last_year.park_id is not null as is_like_for_like
    from usable_values as this_year
    inner join dim_park
        on this_year.park_id = dim_park.park_id
    left join usable_values as last_year
        on
            this_year.park_id = last_year.park_id
            and this_year.indicator_code = last_year.indicator_code
            and this_year.quarter_num = last_year.quarter_num
            and this_year.year = last_year.year + 1

)

select * from final
