-- The registry as published: int_park_registry already types every column (one home for the casts).
with park_registry as (

    select * from {{ ref('int_park_registry') }}

),

final as (

    select
        park_id,
        park_name,
        short_name,
        province,
        city,
        region,
        approved_year,
        active_from,
        active_to,
        aliases,
        source_note
    from park_registry

)

select * from final
