-- every vintage of every submitted value with what a person needs to find it again: the number and unit as
-- submitted, the factor that turned it into the mart unit, and the file, sheet, row and landing time
{{ config(**incremental_by_quarter(quarter_index_of_month('year', 'month'))) }}
{%- set since = reprocess_since() %}

with converted_observations as (

    select * from {{ ref('int_observations_converted') }}
    where {{ reprocessed(quarter_index_of_month('year', 'month'), since) }}

),

observations as (

    select * from {{ ref('stg_raw__observations') }}
    where {{ reprocessed(quarter_index_of_month('period_year', 'period_month'), since) }}

),

unit_conversions as (

    select * from {{ ref('unit_conversions') }}

),

-- a vintage is one landed file; the same row of that file and the same value find the submission again
final as (

    select
        converted_observations.park_id::{{ string_type() }} as park_id,
        converted_observations.period::{{ string_type() }} as period,
        converted_observations.indicator_code::{{ string_type() }} as indicator_code,
        converted_observations.value::double as value,
        converted_observations.vintage::integer as vintage,
        converted_observations.file_name::{{ string_type() }} as file_name,
        converted_observations.is_current::boolean as is_current,
        converted_observations.year::integer as year,
        converted_observations.month::integer as month,
        converted_observations.unit::{{ string_type() }} as unit,
        converted_observations.submitted_value::double as submitted_value,
        converted_observations.submitted_unit::{{ string_type() }} as submitted_unit,
        unit_conversions.factor::double as conversion_factor,
        observations.sheet::{{ string_type() }} as sheet,
        converted_observations.row_number::integer as row_number,
        observations.landed_at::timestamp as landed_at
    from converted_observations
    inner join observations
        on
            converted_observations.vintage = observations.vintage
            and converted_observations.row_number = observations.row_number
            and converted_observations.park_id = observations.park_id
            and converted_observations.year = observations.period_year
            and converted_observations.month = observations.period_month
            and converted_observations.indicator_code = observations.indicator_code
            and converted_observations.submitted_value = observations.submitted_value
            and converted_observations.submitted_unit = observations.submitted_unit
    left join unit_conversions
        on converted_observations.submitted_unit = unit_conversions.unit

)

select * from final
