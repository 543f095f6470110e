with converted_observations as (

    select * from {{ ref('int_observations_converted') }}

),

final as (

    select
        park_id,
        period,
        indicator_code,
        value,
        vintage,
        file_name,
        is_current
    from converted_observations

)

select * from final
