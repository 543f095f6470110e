-- "Active at quarter end" has this one home: every registry park against every quarter that any park reported,
-- whether it was a national zone on the quarter's last day, and whether it submitted anything for that quarter.
-- The missing-submission rule, the publication gate's coverage and the report all read it.
-- Incremental (macros/incremental/reprocessed_quarters.sql): each quarter stands alone; a changed registry changes
-- the project's fingerprint, and that build is a full refresh.
{{ config(**incremental_by_quarter(quarter_index('year', 'quarter_num'))) }}
{%- set since = reprocess_since() %}

with park_months as (

    select * from {{ ref('int_park_months_current') }}
    where {{ reprocessed(quarter_index_of_month('year', 'month'), since) }}

),

park_registry as (

    select * from {{ ref('int_park_registry') }}

),

quarter_end_months as (

    select
        park_id,
        year,
        {{ integer_divide('month', 3) }} as quarter_num
    from park_months
    where month % 3 = 0

),

reported_quarters as (

    select distinct
        year,
        quarter_num,
        {{ quarter_end('year', 'quarter_num') }} as quarter_end
    from quarter_end_months

),

submitting_parks as (

    select distinct
        park_id,
        year,
        quarter_num
    from quarter_end_months

),

final as (

    select
        park_registry.park_id,
        {{ quarter_label('reported_quarters.year', 'reported_quarters.quarter_num') }} as quarter,
        reported_quarters.year,
        reported_quarters.quarter_num,
        reported_quarters.quarter_end,
        (
            park_registry.active_from <= reported_quarters.quarter_end
            and (park_registry.active_to is null or park_registry.active_to >= reported_quarters.quarter_end)
        ) as is_active,
        submitting_parks.park_id is not null as has_submitted
    from park_registry
    cross join reported_quarters
    left join submitting_parks
        on
            park_registry.park_id = submitting_parks.park_id
            and reported_quarters.year = submitting_parks.year
            and reported_quarters.quarter_num = submitting_parks.quarter_num

)

select * from final
