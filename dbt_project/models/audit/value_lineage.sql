-- what each published park value is made of, down to the file and row: its own year-to-date figure, the
-- previous quarter's figure that a flow's single quarter is differenced from, a ratio's numerator and
-- denominator; each source is the vintage in use (audit.revisions, is_current)
{{ config(**incremental_by_quarter(quarter_index_of_label('quarter'))) }}
{%- set since = reprocess_since() %}

with park_quarter_values as (

    select * from {{ ref('fct_park_quarter') }}
    where {{ reprocessed(quarter_index('year', 'quarter_num'), since) }}

),

indicators as (

    select * from {{ ref('indicators') }}

),

revisions as (

    select * from {{ ref('revisions') }}

),

-- a flow's single quarter reads the quarter before the reprocessed ones
current_observations as (

    select * from revisions
    where
        is_current
        and {{ reprocessed(quarter_index_of_month('year', 'month'), since, looking_back=1) }}

),

valued as (

    select
        park_quarter_values.park_id,
        park_quarter_values.quarter,
        park_quarter_values.year,
        park_quarter_values.quarter_num,
        park_quarter_values.indicator_code,
        indicators.kind,
        indicators.numerator,
        indicators.denominator
    from park_quarter_values
    inner join indicators
        on park_quarter_values.indicator_code = indicators.indicator_code

),

sources as (

    select
        park_id,
        quarter,
        indicator_code,
        'value_ytd' as source_role,
        indicator_code as source_indicator_code,
        year as source_year,
        quarter_num as source_quarter_num
    from valued
    where kind <> 'ratio'

    union all

    -- value_q of a flow = this year-to-date − the previous quarter's; the first quarter has no previous one
    select
        park_id,
        quarter,
        indicator_code,
        'previous_ytd' as source_role,
        indicator_code as source_indicator_code,
        year as source_year,
        quarter_num - 1 as source_quarter_num
    from valued
    where kind = 'flow' and quarter_num > 1

    union all

    select
        park_id,
        quarter,
        indicator_code,
        'numerator' as source_role,
        numerator as source_indicator_code,
        year as source_year,
        quarter_num as source_quarter_num
    from valued
    where kind = 'ratio'

    union all

    select
        park_id,
        quarter,
        indicator_code,
        'denominator' as source_role,
        denominator as source_indicator_code,
        year as source_year,
        quarter_num as source_quarter_num
    from valued
    where kind = 'ratio'

),

-- a source that never landed (no previous quarter's figure) stays as a row without a file: it explains a null
final as (

    select
        sources.park_id::{{ string_type() }} as park_id,
        sources.quarter::{{ string_type() }} as quarter,
        sources.indicator_code::{{ string_type() }} as indicator_code,
        sources.source_role::{{ string_type() }} as source_role,
        sources.source_indicator_code::{{ string_type() }} as source_indicator_code,
        {{ quarter_label('sources.source_year', 'sources.source_quarter_num') }}::{{ string_type() }} as source_quarter,
        current_observations.value::double as value,
        current_observations.unit::{{ string_type() }} as unit,
        current_observations.submitted_value::double as submitted_value,
        current_observations.submitted_unit::{{ string_type() }} as submitted_unit,
        current_observations.conversion_factor::double as conversion_factor,
        current_observations.vintage::integer as vintage,
        current_observations.file_name::{{ string_type() }} as file_name,
        current_observations.sheet::{{ string_type() }} as sheet,
        current_observations.row_number::integer as row_number,
        current_observations.landed_at::timestamp as landed_at
    from sources
    left join current_observations
        on
            sources.park_id = current_observations.park_id
            and sources.source_indicator_code = current_observations.indicator_code
            and sources.source_year = current_observations.year
            and sources.source_quarter_num * 3 = current_observations.month

)

select * from final
