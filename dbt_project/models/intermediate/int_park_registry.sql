-- The park registry as the models below the marts read it (dim_park publishes the same rows).
with park_registry as (

    select * from {{ ref('park_registry') }}

),

final as (

    select
        park_id::varchar as park_id,
        park_name::varchar as park_name,
        short_name::varchar as short_name,
        province::varchar as province,
        city::varchar as city,
        region::varchar as region,
        approved_year::integer as approved_year,
        active_from::date as active_from,
        active_to::date as active_to,
        aliases::varchar as aliases,
        source_note::varchar as source_note
    from park_registry

)

select * from final
