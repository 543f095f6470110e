{#
    The submitted quarter-end values of flows (year-to-date) and stocks (level), one row per park, quarter and
    indicator, each beside the values the level rules compare it with:
    - the same year's previous quarter-end year-to-date (R01 falling YTD, R07 copied flow);
    - the nearest earlier value of the park's own series that was plausible (R10 magnitude jump). A value that
      jumps 1000-fold, or lies above the indicator's ceiling, does not become the next value's reference, so one
      unit slip flags itself and not the correct value after it. The series is walked in period order by a
      recursive CTE, because whether a value is a reference depends on the verdict on the one before it.
    Incremental (macros/incremental/reprocessed_quarters.sql): the walk starts again at the reprocessed quarter
    from the reference in force after this table's last row before it; the previous quarter is read for R01.
#}
{{ config(**incremental_by_quarter('quarter_index')) }}
{%- set since = reprocess_since() %}

with recursive park_months as (

    select * from {{ ref('int_park_months_current') }}
    where {{ reprocessed(quarter_index_of_month('year', 'month'), since, looking_back=1) }}

),

indicators as (

    select * from {{ ref('indicators') }}

),

magnitude_rules as (

    select * from {{ ref('audit_rules') }}
    where rule_type = 'magnitude_jump'

),

quarter_ends as (

    select
        park_months.park_id,
        park_months.period as quarter,
        park_months.year,
        {{ integer_divide('park_months.month', 3) }} as quarter_num,
        park_months.indicator_code,
        park_months.kind,
        park_months.value_ytd,
        park_months.revision_count,
        indicators.can_be_negative,
        indicators.plausibility_ceiling
    from park_months
    inner join indicators
        on park_months.indicator_code = indicators.indicator_code
    where
        park_months.month % 3 = 0
        and park_months.kind in ('flow', 'stock')

),

series as (

    select
        *,
        coalesce(abs(value_ytd) > plausibility_ceiling, false) as is_above_ceiling,
        row_number() over (partition by park_id, indicator_code order by year, quarter_num) as series_position
    from (
        select
            *,
            {{ quarter_index('year', 'quarter_num') }} as quarter_index
        from quarter_ends
    ) as indexed
    where {{ reprocessed('quarter_index', since) }}

),

{%- if since is not none %}

-- where the walk stands before the reprocessed quarters (an incremental build): after a value that was itself no
-- reference (a jump, or above the ceiling) the reference before it stays in force
references_already_walked as (

    select
        park_id,
        indicator_code,
        case when is_magnitude_jump or is_above_ceiling then reference_value else value_ytd end as reference_value,
        case when is_magnitude_jump or is_above_ceiling then reference_quarter else quarter end as reference_quarter
    from {{ this }}
    where {{ before_reprocessed('quarter_index', since) }}
    qualify row_number() over (partition by park_id, indicator_code order by quarter_index desc) = 1

),
{%- endif %}

jump_factor as (

    -- the seed's threshold when the rule is configured, else no jump is ever implausible
    select coalesce(max(threshold), 'infinity'::double) as factor from magnitude_rules

),

magnitude_walk (
    park_id, indicator_code, series_position, is_magnitude_jump, reference_value, reference_quarter
) as (

    -- a series that starts here is judged against nothing; one walked before goes on from its reference (step 0)
    select
        series.park_id,
        series.indicator_code,
        series.series_position,
        false as is_magnitude_jump,
        case when not series.is_above_ceiling then series.value_ytd end as reference_value,
        case when not series.is_above_ceiling then series.quarter end as reference_quarter
    from series
    where
        series.series_position = 1
    {% if since is not none -%}
        and not exists (
            select 1
            from references_already_walked
            where
                references_already_walked.park_id = series.park_id
                and references_already_walked.indicator_code = series.indicator_code
        )

    union all

    select
        references_already_walked.park_id,
        references_already_walked.indicator_code,
        0 as series_position,
        false as is_magnitude_jump,
        references_already_walked.reference_value,
        references_already_walked.reference_quarter
    from references_already_walked
    {%- endif %}

    union all

    select
        judged.park_id,
        judged.indicator_code,
        judged.series_position,
        judged.is_magnitude_jump,
        case
            when judged.is_magnitude_jump or judged.is_above_ceiling then judged.previous_reference_value
            else judged.value_ytd
        end as reference_value,
        case
            when judged.is_magnitude_jump or judged.is_above_ceiling then judged.previous_reference_quarter
            else judged.quarter
        end as reference_quarter
    from (
        select
            series.park_id,
            series.indicator_code,
            series.series_position,
            series.quarter,
            series.value_ytd,
            series.is_above_ceiling,
            magnitude_walk.reference_value as previous_reference_value,
            magnitude_walk.reference_quarter as previous_reference_quarter,
            coalesce(
                not series.can_be_negative
                and series.value_ytd > 0
                and magnitude_walk.reference_value > 0
                and (
                    series.value_ytd >= jump_factor.factor * magnitude_walk.reference_value
                    or series.value_ytd * jump_factor.factor <= magnitude_walk.reference_value
                ),
                false
            ) as is_magnitude_jump
        from magnitude_walk
        inner join series
            on
                magnitude_walk.park_id = series.park_id
                and magnitude_walk.indicator_code = series.indicator_code
                and magnitude_walk.series_position + 1 = series.series_position
        cross join jump_factor
    ) as judged

),

-- the reference a value was judged against is the one in force before it
references_before as (

    select
        series.park_id,
        series.indicator_code,
        series.series_position,
        magnitude_walk.is_magnitude_jump,
        previous_step.reference_value,
        previous_step.reference_quarter
    from series
    inner join magnitude_walk
        on
            series.park_id = magnitude_walk.park_id
            and series.indicator_code = magnitude_walk.indicator_code
            and series.series_position = magnitude_walk.series_position
    left join magnitude_walk as previous_step
        on
            series.park_id = previous_step.park_id
            and series.indicator_code = previous_step.indicator_code
            and series.series_position = previous_step.series_position + 1

),

final as (

    select
        series.park_id,
        series.quarter,
        series.year,
        series.quarter_num,
        series.quarter_index,
        series.indicator_code,
        series.kind,
        series.value_ytd,
        previous_quarter.value_ytd as previous_quarter_value_ytd,
        series.is_above_ceiling,
        references_before.is_magnitude_jump,
        references_before.reference_value,
        references_before.reference_quarter,
        series.plausibility_ceiling,
        series.revision_count
    from series
    inner join references_before
        on
            series.park_id = references_before.park_id
            and series.indicator_code = references_before.indicator_code
            and series.series_position = references_before.series_position
    left join quarter_ends as previous_quarter
        on
            series.park_id = previous_quarter.park_id
            and series.indicator_code = previous_quarter.indicator_code
            and series.year = previous_quarter.year
            and series.quarter_num = previous_quarter.quarter_num + 1

)

select * from final
