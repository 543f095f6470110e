with fct_park_quarter as (

    select * from {{ ref('fct_park_quarter') }}

),

dim_indicator as (

    select * from {{ ref('dim_indicator') }}

),

dim_park as (

    select * from {{ ref('dim_park') }}

),

-- values held out by an error-severity audit finding are not compared with anybody
rankable_values as (

    select
        fct_park_quarter.park_id,
        fct_park_quarter.quarter,
        fct_park_quarter.year,
        fct_park_quarter.quarter_num,
        {{ quarter_index('fct_park_quarter.year', 'fct_park_quarter.quarter_num') }} as quarter_index,
        fct_park_quarter.indicator_code,
        fct_park_quarter.value_ytd,
        dim_indicator.direction,
        dim_park.region
    from fct_park_quarter
    inner join dim_indicator
        on fct_park_quarter.indicator_code = dim_indicator.indicator_code
    inner join dim_park
        on fct_park_quarter.park_id = dim_park.park_id
    where
        fct_park_quarter.quality_status <> 'error'
        and fct_park_quarter.value_ytd is not null
        -- direction 0: neither higher nor lower is better (total energy use), so it is not ranked
        and dim_indicator.direction <> 0

),

ranked as (

    -- partitioned by the integer quarter index (one to one with the quarter text): cheaper to hash and sort
    select
        *,
        {{ rank_best_first('value_ytd', 'direction', ['quarter_index', 'indicator_code']) }} as national_rank,
        count(*) over (partition by quarter_index, indicator_code) as national_n,
        {{ rank_best_first('value_ytd', 'direction', ['quarter_index', 'indicator_code', 'region']) }} as regional_rank,
        count(*) over (partition by quarter_index, indicator_code, region) as regional_n
    from rankable_values

),

final as (

    select
        ranked.park_id::{{ string_type() }} as park_id,
        ranked.quarter::{{ string_type() }} as quarter,
        ranked.year::integer as year,
        ranked.quarter_num::integer as quarter_num,
        ranked.indicator_code::{{ string_type() }} as indicator_code,
        ranked.value_ytd::double as value_ytd,
        ranked.national_rank::integer as national_rank,
        ranked.national_n::integer as national_n,
        -- a park ranked alone has nobody above it: it sits at the top, 100 (docs/comparison_marts.md)
        case
            when ranked.national_n = 1 then 100.0
            else 100.0 * (ranked.national_n - ranked.national_rank) / (ranked.national_n - 1)
        end::double as national_percentile,
        ranked.region::{{ string_type() }} as region,
        ranked.regional_rank::integer as regional_rank,
        ranked.regional_n::integer as regional_n,
        (previous_quarter.national_rank - ranked.national_rank)::integer as rank_change_qoq,
        (same_quarter_last_year.national_rank - ranked.national_rank)::integer as rank_change_yoy,
        {{ quarter_end('ranked.year', 'ranked.quarter_num') }}::date as quarter_end
    from ranked
    left join ranked as previous_quarter
        on
            ranked.park_id = previous_quarter.park_id
            and ranked.indicator_code = previous_quarter.indicator_code
            and ranked.quarter_index - 1 = previous_quarter.quarter_index
    left join ranked as same_quarter_last_year
        on
            ranked.park_id = same_quarter_last_year.park_id
            and ranked.indicator_code = same_quarter_last_year.indicator_code
            and ranked.quarter_index - 4 = same_quarter_last_year.quarter_index

)

select * from final
