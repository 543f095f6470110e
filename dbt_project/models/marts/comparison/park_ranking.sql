-- incremental (macros/incremental/reprocessed_quarters.sql): the reprocessed quarters are ranked; the rank changes
-- read the four quarters before them from this table, where they stand as a full build ranks them
{{ config(**incremental_by_quarter(quarter_index('year', 'quarter_num'))) }}
{%- set since = reprocess_since() %}
{%- set earlier_ranks = 'ranked' if since is none else 'earlier_ranks' %}

with fct_park_quarter as (

    select * from {{ ref('fct_park_quarter') }}
    where {{ reprocessed(quarter_index('year', 'quarter_num'), since) }}

),

-- read apart from the facts above, so each is read once and neither is materialized for two readers
quarter_labels as (

    select distinct
        quarter,
        year,
        quarter_num
    from {{ ref('fct_park_quarter') }}
    where {{ reprocessed(quarter_index('year', 'quarter_num'), since) }}

),

dim_indicator as (

    select * from {{ ref('dim_indicator') }}

),

dim_park as (

    select * from {{ ref('dim_park') }}

),

-- The ranks sort and join on small integer keys: text keys (park_id, indicator_code, region) carried through the
-- two window sorts and the two rank-change joins cost about a third of the model (benchmarks/README.md).
-- The keys are numbered here and the names joined back at the end (178 parks, 24 indicators).
indicator_keys as (

    select
        indicator_code,
        direction,
        (row_number() over (order by indicator_code))::integer as indicator_key
    from dim_indicator
    -- direction 0: neither higher nor lower is better (total energy use), so it is not ranked
    where direction <> 0

),

park_keys as (

    select
        park_id,
        region,
        (row_number() over (order by park_id))::integer as park_key,
        (dense_rank() over (order by region))::integer as region_key
    from dim_park

),

-- values held out by an error-severity audit finding are not compared with anybody.
-- The windows carry only integer keys and the score they order by: the quarter's label, year and quarter end are
-- joined back from `quarters` at the end, and the two counts come from a group-by over the regional partitions
-- (2 976 in the demo) instead of two more window expressions: a fifth of this model's time (benchmarks/README.md).
rankable_values as (

    select
        park_keys.park_key,
        park_keys.region_key,
        indicator_keys.indicator_key,
        {{ quarter_index('fct_park_quarter.year', 'fct_park_quarter.quarter_num') }} as quarter_index,
        fct_park_quarter.value_ytd,
        indicator_keys.direction * fct_park_quarter.value_ytd as score
    from fct_park_quarter
    inner join indicator_keys
        on fct_park_quarter.indicator_code = indicator_keys.indicator_code
    inner join park_keys
        on fct_park_quarter.park_id = park_keys.park_id
    where
        fct_park_quarter.quality_status <> 'error'
        and fct_park_quarter.value_ytd is not null

),

-- one label per quarter: the pipeline writes every period label from its year and quarter number
quarters as (

    select
        {{ quarter_index('year', 'quarter_num') }} as quarter_index,
        quarter,
        year,
        quarter_num,
        {{ quarter_end('year', 'quarter_num') }} as quarter_end
    from quarter_labels

),

ranked as (

    select
        *,
        {{ rank_best_first('score', ['quarter_index', 'indicator_key']) }} as national_rank,
        {{ rank_best_first('score', ['quarter_index', 'indicator_key', 'region_key']) }} as regional_rank
    from rankable_values

),

{% if since is not none -%}
-- the national ranks the rank changes compare with: this build's, and the four quarters before the reprocessed ones
-- as this table holds them. A full build compares with `ranked` itself: a CTE read by one more reader is
-- materialized, which made the full build's ranking 10 % slower
earlier_ranks as (

    select
        park_key,
        indicator_key,
        quarter_index,
        national_rank
    from ranked

    union all

    select
        park_keys.park_key,
        indicator_keys.indicator_key,
        {{ quarter_index('this_table.year', 'this_table.quarter_num') }} as quarter_index,
        this_table.national_rank
    from {{ this }} as this_table
    inner join park_keys
        on this_table.park_id = park_keys.park_id
    inner join indicator_keys
        on this_table.indicator_code = indicator_keys.indicator_code
    where {{ before_reprocessed(quarter_index('this_table.year', 'this_table.quarter_num'), since, looking_back=4) }}

),
{%- endif %}

regional_counts as (

    select
        quarter_index,
        indicator_key,
        region_key,
        count(*) as regional_n
    from ranked
    group by quarter_index, indicator_key, region_key

),

partition_counts as (

    select
        *,
        sum(regional_n) over (partition by quarter_index, indicator_key) as national_n
    from regional_counts

),

final as (

    select
        park_keys.park_id::{{ string_type() }} as park_id,
        quarters.quarter::{{ string_type() }} as quarter,
        quarters.year::integer as year,
        quarters.quarter_num::integer as quarter_num,
        indicator_keys.indicator_code::{{ string_type() }} as indicator_code,
        ranked.value_ytd::double as value_ytd,
        ranked.national_rank::integer as national_rank,
        partition_counts.national_n::integer as national_n,
        -- a park ranked alone has nobody above it: it sits at the top, 100 (docs/comparison_marts.md)
        case
            when partition_counts.national_n = 1 then 100.0
            else
                100.0 * (partition_counts.national_n - ranked.national_rank) / (partition_counts.national_n - 1)
        end::double as national_percentile,
        park_keys.region::{{ string_type() }} as region,
        ranked.regional_rank::integer as regional_rank,
        partition_counts.regional_n::integer as regional_n,
        (previous_quarter.national_rank - ranked.national_rank)::integer as rank_change_qoq,
        (same_quarter_last_year.national_rank - ranked.national_rank)::integer as rank_change_yoy,
        quarters.quarter_end::date as quarter_end
    from ranked
    inner join partition_counts
        on
            ranked.quarter_index = partition_counts.quarter_index
            and ranked.indicator_key = partition_counts.indicator_key
            and ranked.region_key = partition_counts.region_key
    inner join quarters
        on ranked.quarter_index = quarters.quarter_index
    inner join park_keys
        on ranked.park_key = park_keys.park_key
    inner join indicator_keys
        on ranked.indicator_key = indicator_keys.indicator_key
    left join {{ earlier_ranks }} as previous_quarter
        on
            ranked.park_key = previous_quarter.park_key
            and ranked.indicator_key = previous_quarter.indicator_key
            and ranked.quarter_index - 1 = previous_quarter.quarter_index
    left join {{ earlier_ranks }} as same_quarter_last_year
        on
            ranked.park_key = same_quarter_last_year.park_key
            and ranked.indicator_key = same_quarter_last_year.indicator_key
            and ranked.quarter_index - 4 = same_quarter_last_year.quarter_index

)

select * from final
