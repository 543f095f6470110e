with source as (

    select * from {{ source('raw', 'observations') }}

),

renamed as (

    select
        park_id::{{ string_type() }} as park_id,
        park_name_raw::{{ string_type() }} as park_name_raw,
        period_label::{{ string_type() }} as period_label,
        period_year::integer as period_year,
        period_month::integer as period_month,
        indicator_code::{{ string_type() }} as indicator_code,
        value::double as submitted_value,
        unit::{{ string_type() }} as submitted_unit,
        file_id::integer as file_id,
        file_name::{{ string_type() }} as file_name,
        content_hash::{{ string_type() }} as content_hash,
        sheet::{{ string_type() }} as sheet,
        row_number::integer as row_number,
        vintage::integer as vintage,
        landed_at::timestamp as landed_at
    from source

)

select * from renamed
