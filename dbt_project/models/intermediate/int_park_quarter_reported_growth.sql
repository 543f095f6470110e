-- Comparable-price growth as a park reported it (可比价增速), beside the indicator it is the growth of. It is kept
-- apart from the nominal growth computed here and never aggregated: growth rates do not add up across parks.
{{ config(**incremental_by_quarter(quarter_index_of_label('quarter'))) }}
{%- set since = reprocess_since() %}

with park_months as (

    select * from {{ ref('int_park_months_current') }}
    where {{ reprocessed(quarter_index_of_month('year', 'month'), since) }}

),

indicators as (

    select * from {{ ref('indicators') }}

),

final as (

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

)

select * from final
