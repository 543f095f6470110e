{{ config(**incremental_by_quarter(quarter_index_of_month('year', 'month'))) }}
{%- set since = reprocess_since() %}

-- incremental (macros/incremental/reprocessed_quarters.sql): every vintage of a value is in one quarter, so the
-- reprocessed quarters need only their own observations
with observations as (

    select * from {{ ref('stg_raw__observations') }}
    where {{ reprocessed(quarter_index_of_month('period_year', 'period_month'), since) }}

),

unit_conversions as (

    select * from {{ ref('unit_conversions') }}

),

indicators as (

    select * from {{ ref('indicators') }}

),

converted as (

    select
        observations.park_id,
        observations.period_year as year,
        observations.period_month as month,
        observations.indicator_code,
        indicators.kind,
        observations.submitted_value * unit_conversions.factor as value,
        unit_conversions.mart_unit as unit,
        indicators.unit as indicator_unit,
        observations.submitted_value,
        observations.submitted_unit,
        observations.vintage,
        observations.file_name,
        observations.row_number
    from observations
    left join unit_conversions
        on observations.submitted_unit = unit_conversions.unit
    left join indicators
        on observations.indicator_code = indicators.indicator_code

),

-- the latest landing wins; two values of one vintage (one file) are ordered by the row a person sees
versions_ranked as (

    select
        *,
        row_number() over (
            partition by park_id, year, month, indicator_code
            order by vintage desc, row_number desc
        ) as version_rank_from_latest
    from converted

),

-- the value each vintage (file) left standing: within one file the last row a person sees wins
vintage_values as (

    select
        park_id,
        year,
        month,
        indicator_code,
        vintage,
        value
    from versions_ranked
    qualify row_number() over (
        partition by park_id, year, month, indicator_code, vintage
        order by row_number desc
    ) = 1

),

-- a revision is a vintage that changed the value; an identical resend is not one
vintage_changes as (

    select
        *,
        lag(value) over (partition by park_id, year, month, indicator_code order by vintage) as previous_value
    from vintage_values

),

vintage_counts as (

    select
        park_id,
        year,
        month,
        indicator_code,
        count(*) filter (where previous_value is not null and value is distinct from previous_value) as n_revisions
    from vintage_changes
    group by park_id, year, month, indicator_code

),

final as (

    select
        versions_ranked.park_id,
        versions_ranked.year,
        versions_ranked.month,
        case
            when versions_ranked.month % 3 = 0
                then {{ quarter_label('versions_ranked.year', integer_divide('versions_ranked.month', 3)) }}
            else
                versions_ranked.year::{{ string_type() }} || '-'
                || lpad(versions_ranked.month::{{ string_type() }}, 2, '0')
        end as period,
        versions_ranked.indicator_code,
        versions_ranked.kind,
        versions_ranked.value,
        versions_ranked.unit,
        versions_ranked.indicator_unit,
        versions_ranked.submitted_value,
        versions_ranked.submitted_unit,
        versions_ranked.vintage,
        versions_ranked.file_name,
        versions_ranked.row_number,
        versions_ranked.version_rank_from_latest = 1 as is_current,
        vintage_counts.n_revisions as revision_count
    from versions_ranked
    inner join vintage_counts
        on
            versions_ranked.park_id = vintage_counts.park_id
            and versions_ranked.year = vintage_counts.year
            and versions_ranked.month = vintage_counts.month
            and versions_ranked.indicator_code = vintage_counts.indicator_code

)

select * from final
