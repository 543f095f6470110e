with source as (

    select * from {{ source('raw', 'observations') }}

),

renamed as (

    select
        park_id::varchar as park_id,
        park_name_raw::varchar as park_name_raw,
        period_label::varchar as period_label,
        period_year::integer as period_year,
        period_month::integer as period_month,
        indicator_code::varchar as indicator_code,
        value::double as submitted_value,
        unit::varchar as submitted_unit,
        file_id::integer as file_id,
        file_name::varchar as file_name,
        content_hash::varchar as content_hash,
        sheet::varchar as sheet,
        row_number::integer as row_number,
        vintage::integer as vintage,
        landed_at::timestamp as landed_at
    from source

)

select * from renamed
