{#- The roll-up in the shape of int_park_months_current, which takes these values in place of submitted ones. -#}
{{
    config(
        enabled=var('enterprise_source', none) is not none,
        materialized='view',
        schema='intermediate',
    )
}}

with enterprise_values as (

    select * from {{ ref('int_enterprise_values_rolled_up') }}

),

indicators as (

    select * from {{ ref('indicators') }}

),

final as (

    select
        enterprise_values.park_id,
        enterprise_values.period_year as year,
        enterprise_values.period_month as month,
        {{ quarter_label(
            'enterprise_values.period_year', integer_divide('enterprise_values.period_month', 3)
        ) }} as period,
        enterprise_values.indicator_code,
        indicators.kind,
        enterprise_values.value as value_ytd,
        -- computed from the microdata, never resubmitted
        0 as revision_count
    from enterprise_values
    inner join indicators
        on enterprise_values.indicator_code = indicators.indicator_code

)

select * from final
