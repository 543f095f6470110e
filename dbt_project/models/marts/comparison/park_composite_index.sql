-- incremental (macros/incremental/reprocessed_quarters.sql): each quarter stands alone, the reprocessed ones
-- replace theirs
{{ config(**incremental_by_quarter(quarter_index('year', 'quarter_num'))) }}
{%- set since = reprocess_since() %}

with fct_park_quarter as (

    select * from {{ ref('fct_park_quarter') }}
    where {{ reprocessed(quarter_index('year', 'quarter_num'), since) }}

),

dim_indicator as (

    select * from {{ ref('dim_indicator') }}

),

evaluation_weights as (

    select * from {{ ref('evaluation_weights') }}

),

evaluation_dimensions as (

    select * from {{ ref('evaluation_dimensions') }}

),

-- only the indicators the evaluation weighs, and only values no audit rule holds out as errors
weighted_values as (

    select
        fct_park_quarter.park_id,
        fct_park_quarter.quarter,
        fct_park_quarter.year,
        fct_park_quarter.quarter_num,
        evaluation_weights.dimension,
        fct_park_quarter.indicator_code,
        fct_park_quarter.value_ytd,
        dim_indicator.direction,
        evaluation_weights.weight::double as indicator_weight
    from fct_park_quarter
    inner join evaluation_weights
        on fct_park_quarter.indicator_code = evaluation_weights.indicator_code
    inner join dim_indicator
        on fct_park_quarter.indicator_code = dim_indicator.indicator_code
    where
        fct_park_quarter.quality_status <> 'error'
        and fct_park_quarter.value_ytd is not null

),

scaled_values as (

    select
        *,
        {{ min_max_score('value_ytd', 'direction', ['quarter', 'indicator_code']) }} as scaled_score
    from weighted_values

),

-- re-normalised over the indicators the park has: a missing indicator neither scores 0 nor drags the park down
dimension_scores as (

    select
        park_id,
        quarter,
        year,
        quarter_num,
        dimension,
        -- a weighted mean of 0-100 scores, bounded so that floating rounding never leaves the range
        {{ bounded_score(weighted_mean('scaled_score', 'indicator_weight')) }} as dimension_score,
        count(*) as n_indicators
    from scaled_values
    group by park_id, quarter, year, quarter_num, dimension

),

weighted_dimensions as (

    select
        dimension_scores.*,
        evaluation_dimensions.weight::double as dimension_weight
    from dimension_scores
    inner join evaluation_dimensions
        on dimension_scores.dimension = evaluation_dimensions.dimension

),

-- re-normalised likewise over the dimensions the park has
composite_scores as (

    select
        park_id,
        quarter,
        {{ bounded_score(weighted_mean('dimension_score', 'dimension_weight')) }} as composite_score,
        count(*) as n_dimensions
    from weighted_dimensions
    group by park_id, quarter

),

composite_ranks as (

    select
        *,
        -- rounded so that equal scores summed in a different order still tie
        rank() over (partition by quarter order by round(composite_score, 9) desc) as composite_rank,
        count(*) over (partition by quarter) as composite_n
    from composite_scores

),

final as (

    select
        weighted_dimensions.park_id::{{ string_type() }} as park_id,
        weighted_dimensions.quarter::{{ string_type() }} as quarter,
        weighted_dimensions.year::integer as year,
        weighted_dimensions.quarter_num::integer as quarter_num,
        weighted_dimensions.dimension::{{ string_type() }} as dimension,
        weighted_dimensions.dimension_score::double as dimension_score,
        weighted_dimensions.dimension_weight::double as dimension_weight,
        weighted_dimensions.n_indicators::integer as n_indicators,
        composite_ranks.composite_score::double as composite_score,
        composite_ranks.composite_rank::integer as composite_rank,
        composite_ranks.composite_n::integer as composite_n,
        composite_ranks.n_dimensions::integer as n_dimensions,
        {{ quarter_end('weighted_dimensions.year', 'weighted_dimensions.quarter_num') }}::date as quarter_end
    from weighted_dimensions
    inner join composite_ranks
        on
            weighted_dimensions.park_id = composite_ranks.park_id
            and weighted_dimensions.quarter = composite_ranks.quarter

)

select * from final
