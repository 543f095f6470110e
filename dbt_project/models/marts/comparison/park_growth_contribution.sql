with fct_park_quarter as (

    select * from {{ ref('fct_park_quarter') }}

),

dim_indicator as (

    select * from {{ ref('dim_indicator') }}

),

-- contributions add up only for quantities that add up across parks: flows and stocks, never ratios
additive_values as (

    select
        fct_park_quarter.park_id,
        fct_park_quarter.quarter,
        fct_park_quarter.year,
        fct_park_quarter.quarter_num,
        fct_park_quarter.indicator_code,
        fct_park_quarter.value_ytd
    from fct_park_quarter
    inner join dim_indicator
        on fct_park_quarter.indicator_code = dim_indicator.indicator_code
    where
        dim_indicator.kind in ('flow', 'stock')
        and fct_park_quarter.quality_status <> 'error'
        and fct_park_quarter.value_ytd is not null

),

-- like-for-like (可比口径): the park has a non-error value this quarter and in the same quarter last year
like_for_like_parks as (

    select
        this_year.park_id,
        this_year.quarter,
        this_year.year,
        this_year.quarter_num,
        this_year.indicator_code,
        this_year.value_ytd,
        last_year.value_ytd as value_ytd_last_year
    from additive_values as this_year
    inner join additive_values as last_year
        on
            this_year.park_id = last_year.park_id
            and this_year.indicator_code = last_year.indicator_code
            and this_year.year - 1 = last_year.year
            and this_year.quarter_num = last_year.quarter_num

),

like_for_like_bases as (

    select
        quarter,
        indicator_code,
        sum(value_ytd_last_year) as base_ytd_lfl,
        count(*) as n_parks_lfl
    from like_for_like_parks
    group by quarter, indicator_code

),

final as (

    select
        like_for_like_parks.park_id::{{ string_type() }} as park_id,
        like_for_like_parks.quarter::{{ string_type() }} as quarter,
        like_for_like_parks.year::integer as year,
        like_for_like_parks.quarter_num::integer as quarter_num,
        like_for_like_parks.indicator_code::{{ string_type() }} as indicator_code,
        like_for_like_parks.value_ytd::double as value_ytd,
        like_for_like_parks.value_ytd_last_year::double as value_ytd_last_year,
        (like_for_like_parks.value_ytd - like_for_like_parks.value_ytd_last_year)::double as delta_ytd,
        -- same null rule as growth itself: no growth rate, hence no contribution, on a base <= 0
        case
            when like_for_like_bases.base_ytd_lfl > 0
                then
                    (like_for_like_parks.value_ytd - like_for_like_parks.value_ytd_last_year)
                    / like_for_like_bases.base_ytd_lfl * 100.0
        end::double as contribution_pp,
        like_for_like_bases.base_ytd_lfl::double as base_ytd_lfl,
        like_for_like_bases.n_parks_lfl::integer as n_parks_lfl,
        {{ quarter_end('like_for_like_parks.year', 'like_for_like_parks.quarter_num') }}::date as quarter_end
    from like_for_like_parks
    inner join like_for_like_bases
        on
            like_for_like_parks.quarter = like_for_like_bases.quarter
            and like_for_like_parks.indicator_code = like_for_like_bases.indicator_code

)

select * from final
