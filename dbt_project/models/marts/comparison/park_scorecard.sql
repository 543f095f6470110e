-- incremental (macros/incremental/reprocessed_quarters.sql): each quarter stands alone, the reprocessed ones
-- replace theirs
{{ config(**incremental_by_quarter(quarter_index('year', 'quarter_num'))) }}
{%- set since = reprocess_since() %}

with fct_park_quarter as (

    select * from {{ ref('fct_park_quarter') }}
    where {{ reprocessed(quarter_index('year', 'quarter_num'), since) }}

),

dim_park as (

    select * from {{ ref('dim_park') }}

),

-- an error value is held out here as everywhere in the comparison marts; it is counted, not shown
published_values as (

    select
        park_id,
        quarter,
        year,
        quarter_num,
        indicator_code,
        quality_status,
        case when quality_status <> 'error' then value_ytd end as value_ytd,
        case when quality_status <> 'error' then yoy_ytd_pct end as yoy_ytd_pct
    from fct_park_quarter

),

one_row_per_park_quarter as (

    select
        park_id,
        quarter,
        year,
        quarter_num,
        {% for indicator_code in scorecard_indicators() -%}
            max(value_ytd) filter (where indicator_code = '{{ indicator_code }}') as {{ indicator_code }},
            max(yoy_ytd_pct) filter (where indicator_code = '{{ indicator_code }}') as {{ indicator_code }}_yoy_pct,
        {% endfor -%}
        count(value_ytd) as n_indicators_reported,
        count(*) filter (where quality_status = 'error') as n_indicators_error
    from published_values
    group by park_id, quarter, year, quarter_num

),

final as (

    select
        one_row_per_park_quarter.park_id::{{ string_type() }} as park_id,
        one_row_per_park_quarter.quarter::{{ string_type() }} as quarter,
        one_row_per_park_quarter.year::integer as year,
        one_row_per_park_quarter.quarter_num::integer as quarter_num,
        dim_park.park_name::{{ string_type() }} as park_name,
        dim_park.short_name::{{ string_type() }} as short_name,
        dim_park.region::{{ string_type() }} as region,
        dim_park.province::{{ string_type() }} as province,
        {% for indicator_code in scorecard_indicators() -%}
            one_row_per_park_quarter.{{ indicator_code }}::double as {{ indicator_code }},
            one_row_per_park_quarter.{{ indicator_code }}_yoy_pct::double as {{ indicator_code }}_yoy_pct,
        {% endfor -%}
        one_row_per_park_quarter.n_indicators_reported::integer as n_indicators_reported,
        one_row_per_park_quarter.n_indicators_error::integer as n_indicators_error,
        {{ quarter_end('one_row_per_park_quarter.year', 'one_row_per_park_quarter.quarter_num') }}::date as quarter_end
    from one_row_per_park_quarter
    inner join dim_park
        on one_row_per_park_quarter.park_id = dim_park.park_id

)

select * from final
