{{ config(**incremental_by_quarter(quarter_index_of_month('year', 'month'))) }}
{%- set since = reprocess_since() %}

with converted_observations as (

    select * from {{ ref('int_observations_converted') }}
    where {{ reprocessed(quarter_index_of_month('year', 'month'), since) }}

),

final as (

    select
        park_id,
        year,
        month,
        period,
        indicator_code,
        kind,
        value as value_ytd,
        revision_count
    from converted_observations
    where
        is_current
        -- only with the var enterprise_source (docs/scaling.md): totals rolled up from
        -- enterprise microdata replace the submitted value of the same park, month and indicator
    {% if var('enterprise_source', none) is not none %}
        and not exists (
            select 1
            from {{ ref('int_enterprise_values_current') }} as enterprise_values
            where
                enterprise_values.park_id = converted_observations.park_id
                and enterprise_values.year = converted_observations.year
                and enterprise_values.month = converted_observations.month
                and enterprise_values.indicator_code = converted_observations.indicator_code
        )
    union all
    select
        park_id,
        year,
        month,
        period,
        indicator_code,
        kind,
        value_ytd,
        revision_count
    from {{ ref('int_enterprise_values_current') }}
    {% endif %}

)

select * from final
