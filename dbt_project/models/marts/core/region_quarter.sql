-- incremental (macros/incremental/reprocessed_quarters.sql): the reprocessed quarters, beside last year's
{{ config(**incremental_by_quarter(quarter_index('year', 'quarter_num'))) }}
{%- set since = reprocess_since() %}

{{ aggregate_park_quarters(['region'], since) }},

final as (

    select
        {{ aggregate_mart_columns(['region']) }}
    from aggregated

)

select * from final
