with converted_observations as (

    select * from {{ ref('int_observations_converted') }}

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
    where is_current

)

select * from final
