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
        converted_observations.park_id,
        converted_observations.period,
        converted_observations.indicator_code,
        converted_observations.value,
        converted_observations.vintage,
        converted_observations.file_name,
        converted_observations.is_current,
        converted_observations.year,
        converted_observations.month,
        converted_observations.unit,
        converted_observations.submitted_value,
        converted_observations.submitted_unit,
        unit_conversions.factor as conversion_factor,
        observations.sheet,
        converted_observations.row_number,
        observations.landed_at
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
