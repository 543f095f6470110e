-- The usable park values (no error, a value) with last year's usable value beside them: the panel every national,
-- regional and provincial aggregate sums. Like-for-like (可比口径) means a usable value in both periods, for the
-- year-to-date and, separately, for the single quarter.
{{ config(**incremental_by_quarter(quarter_index('year', 'quarter_num'))) }}
{%- set since = reprocess_since() %}

with park_quarter_values as (

    select * from {{ ref('int_park_quarter_values') }}
    where {{ reprocessed('quarter_index', since, looking_back=4) }}

),

park_registry as (

    select * from {{ ref('int_park_registry') }}

),

usable_values as (

    select * from park_quarter_values
    where is_usable

),

final as (

    select
        this_year.park_id,
        park_registry.region,
        park_registry.province,
        this_year.quarter,
        this_year.year,
        this_year.quarter_num,
        this_year.quarter_end,
        this_year.indicator_code,
        this_year.kind,
        this_year.multiplier,
        this_year.value_ytd,
        this_year.value_q,
        this_year.numerator_ytd,
        this_year.denominator_ytd,
        last_year.value_ytd as last_year_value_ytd,
        last_year.value_q as last_year_value_q,
        last_year.numerator_ytd as last_year_numerator_ytd,
        last_year.denominator_ytd as last_year_denominator_ytd,
        this_year.two_years_ago_value_ytd,
        last_year.park_id is not null as is_like_for_like,
        this_year.value_q is not null and last_year.value_q is not null as is_like_for_like_q
    from usable_values as this_year
    inner join park_registry
        on this_year.park_id = park_registry.park_id
    left join usable_values as last_year
        on
            this_year.park_id = last_year.park_id
            and this_year.indicator_code = last_year.indicator_code
            and this_year.quarter_index - 4 = last_year.quarter_index
    where {{ reprocessed('this_year.quarter_index', since) }}

)

select * from final
