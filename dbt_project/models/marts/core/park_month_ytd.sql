-- incremental (macros/incremental/reprocessed_quarters.sql): the reprocessed quarters' months, beside last year's
{{ config(**incremental_by_quarter(quarter_index_of_month('year', 'month'))) }}
{%- set since = reprocess_since() %}

with park_months as (

    select * from {{ ref('int_park_months_current') }}
    where {{ reprocessed(quarter_index_of_month('year', 'month'), since, looking_back=4) }}

),

final as (

    select
        this_year.park_id::{{ string_type() }} as park_id,
        (
            this_year.year::{{ string_type() }} || '-' || lpad(this_year.month::{{ string_type() }}, 2, '0')
        )::{{ string_type() }} as period,
        this_year.year::integer as year,
        this_year.month::integer as month,
        this_year.indicator_code::{{ string_type() }} as indicator_code,
        this_year.kind::{{ string_type() }} as kind,
        this_year.value_ytd::double as value_ytd,
        last_year.value_ytd::double as last_year_value_ytd,
        ({{ growth_pct('this_year.value_ytd', 'last_year.value_ytd') }})::double as yoy_ytd_pct,
        this_year.revision_count::integer as revision_count
    from park_months as this_year
    left join park_months as last_year
        on
            this_year.park_id = last_year.park_id
            and this_year.indicator_code = last_year.indicator_code
            and this_year.month = last_year.month
            and this_year.year = last_year.year + 1
    where {{ reprocessed(quarter_index_of_month('this_year.year', 'this_year.month'), since) }}

)

select * from final
