-- The like-for-like pairs come from the same panel as national yoy_ytd_pct_lfl (int_park_quarter_growth_panel):
-- paired once there, the contributions add up to that growth by construction.
-- Incremental (macros/incremental/reprocessed_quarters.sql): each quarter stands alone.
{{ config(**incremental_by_quarter(quarter_index('year', 'quarter_num'))) }}
{%- set since = reprocess_since() %}

with growth_panel as (

    select * from {{ ref('int_park_quarter_growth_panel') }}
    where {{ reprocessed(quarter_index('year', 'quarter_num'), since) }}

),

-- contributions add up only for quantities that add up across parks: flows and stocks, never ratios;
-- like-for-like (可比口径): a usable value (no error, a value) this quarter and in the same quarter last year
like_for_like_parks as (

    select
        park_id,
        quarter,
        year,
        quarter_num,
        indicator_code,
        value_ytd,
        last_year_value_ytd as value_ytd_last_year
    from growth_panel
    where is_like_for_like and kind in ('flow', 'stock')

),

like_for_like_bases as (

    select
        quarter,
        indicator_code,
        {{ stable_sum('value_ytd_last_year') }} as base_ytd_lfl,
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
