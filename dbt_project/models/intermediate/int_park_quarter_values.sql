with park_quarters as (

    select * from {{ ref('int_park_quarters_differenced') }}

),

park_quarter_ratios as (

    select * from {{ ref('int_park_quarter_ratios') }}

),

all_indicators as (

    select
        park_id,
        quarter,
        year,
        quarter_num,
        indicator_code,
        kind,
        value_ytd,
        value_q,
        previous_quarter_value_ytd,
        null::varchar as numerator_code,
        null::varchar as denominator_code,
        null::double as numerator_ytd,
        null::double as denominator_ytd,
        null::double as multiplier,
        revision_count
    from park_quarters

    union all

    select
        park_id,
        quarter,
        year,
        quarter_num,
        indicator_code,
        kind,
        value_ytd,
        null::double as value_q,
        null::double as previous_quarter_value_ytd,
        numerator_code,
        denominator_code,
        numerator_ytd,
        denominator_ytd,
        multiplier,
        revision_count
    from park_quarter_ratios

),

final as (

    select
        this_year.park_id,
        this_year.quarter,
        this_year.year,
        this_year.quarter_num,
        this_year.indicator_code,
        this_year.kind,
        this_year.value_ytd,
        this_year.value_q,
        this_year.previous_quarter_value_ytd,
        last_year.value_ytd as last_year_value_ytd,
        last_year.value_q as last_year_value_q,
        -- growth at current prices; a ratio's growth is the relative change of the ratio itself
        {{ growth_pct('this_year.value_ytd', 'last_year.value_ytd') }} as yoy_ytd_pct,
        {{ growth_pct('this_year.value_q', 'last_year.value_q') }} as yoy_q_pct,
        'nominal' as price_basis,
        this_year.numerator_code,
        this_year.denominator_code,
        this_year.numerator_ytd,
        this_year.denominator_ytd,
        this_year.multiplier,
        this_year.revision_count
    from all_indicators as this_year
    left join all_indicators as last_year
        on
            this_year.park_id = last_year.park_id
            and this_year.indicator_code = last_year.indicator_code
            and this_year.quarter_num = last_year.quarter_num
            and this_year.year = last_year.year + 1

)

select * from final
