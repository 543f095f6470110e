-- incremental (macros/incremental/reprocessed_quarters.sql): the reprocessed quarters, beside last year's
{{ config(**incremental_by_quarter(quarter_index('year', 'quarter_num'))) }}
{%- set since = reprocess_since() %}

{{ aggregate_park_quarters(['region', 'province'], since) }},

final as (

    select
        {{ aggregate_mart_columns(['region', 'province']) }}
    from aggregated

)

select * from final
