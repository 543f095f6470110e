-- The park registry as the models below the marts read it (dim_park publishes the same rows).
with park_registry as (

    select * from {{ ref('park_registry') }}

),

final as (

    select
        park_id::{{ string_type() }} as park_id,
        park_name::{{ string_type() }} as park_name,
        short_name::{{ string_type() }} as short_name,
        province::{{ string_type() }} as province,
        city::{{ string_type() }} as city,
        region::{{ string_type() }} as region,
        approved_year::integer as approved_year,
        active_from::date as active_from,
        active_to::date as active_to,
        aliases::{{ string_type() }} as aliases,
        source_note::{{ string_type() }} as source_note
    from park_registry

)

select * from final
