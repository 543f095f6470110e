-- incremental (macros/incremental/reprocessed_quarters.sql): the reprocessed quarters' rows replace theirs
{{ config(**incremental_by_quarter(quarter_index('year', 'quarter_num'))) }}
{%- set since = reprocess_since() %}

with checked_values as (

    select * from {{ ref('int_park_quarter_checked') }}
    where {{ reprocessed('quarter_index', since) }}

),

park_months as (

    select * from {{ ref('int_park_months_current') }}
    where {{ reprocessed(quarter_index_of_month('year', 'month'), since) }}

),

indicators as (

    select * from {{ ref('indicators') }}

),

-- Comparable-price growth as a park reported it (可比价增速), beside the indicator it is the growth of. It is kept
-- apart from the nominal growth computed here and never aggregated: growth rates do not add up across parks.
reported_growth as (

    select
        park_months.park_id,
        park_months.period as quarter,
        indicators.growth_of as indicator_code,
        park_months.value_ytd as yoy_reported_real_pct
    from park_months
    inner join indicators
        on park_months.indicator_code = indicators.indicator_code
    where
        indicators.kind = 'reported_growth'
        and park_months.month % 3 = 0

),

final as (

    select
        checked_values.park_id::{{ string_type() }} as park_id,
        checked_values.quarter::{{ string_type() }} as quarter,
        checked_values.year::integer as year,
        checked_values.quarter_num::integer as quarter_num,
        checked_values.indicator_code::{{ string_type() }} as indicator_code,
        checked_values.value_ytd::double as value_ytd,
        checked_values.value_q::double as value_q,
        checked_values.yoy_ytd_pct::double as yoy_ytd_pct,
        checked_values.yoy_q_pct::double as yoy_q_pct,
        checked_values.price_basis::{{ string_type() }} as price_basis,
        checked_values.revision_count::integer as revision_count,
        checked_values.quality_status::{{ string_type() }} as quality_status,
        checked_values.quarter_end::date as quarter_end,
        checked_values.yoy_ytd_pp::double as yoy_ytd_pp,
        reported_growth.yoy_reported_real_pct::double as yoy_reported_real_pct,
        checked_values.two_year_avg_growth_pct::double as two_year_avg_growth_pct,
        checked_values.kind::{{ string_type() }} as kind,
        checked_values.quality_note::{{ string_type() }} as quality_note
    from checked_values
    left join reported_growth
        on
            checked_values.park_id = reported_growth.park_id
            and checked_values.quarter = reported_growth.quarter
            and checked_values.indicator_code = reported_growth.indicator_code

)

select * from final
