-- incremental (macros/incremental/reprocessed_quarters.sql): each quarter stands alone
{{ config(**incremental_by_quarter(quarter_index('year', 'quarter_num'))) }}
{%- set since = reprocess_since() %}

with park_quarter_coverage as (

    select * from {{ ref('int_park_quarter_coverage') }}
    where {{ reprocessed(quarter_index('year', 'quarter_num'), since) }}

),

final as (

    select
        park_id::{{ string_type() }} as park_id,
        quarter::{{ string_type() }} as quarter,
        year::integer as year,
        quarter_num::integer as quarter_num,
        quarter_end::date as quarter_end,
        is_active::boolean as is_active,
        has_submitted::boolean as has_submitted
    from park_quarter_coverage

)

select * from final
