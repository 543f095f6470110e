-- The scorecard's columns are a static list (contracts need them at parse time): every indicator of the
-- indicators seed must have its value column and its YoY column. Missing ones are returned.
with indicators as (

    select * from {{ ref('indicators') }}

),

scorecard_columns as (

    select column_name
    from information_schema.columns
    where table_schema = '{{ ref('park_scorecard').schema }}' and table_name = '{{ ref('park_scorecard').identifier }}'

),

expected_columns as (

    select indicator_code as column_name from indicators where kind <> 'reported_growth'
    union all
    select indicator_code || '_yoy_pct' as column_name from indicators where kind <> 'reported_growth'

),

final as (

    select expected_columns.column_name
    from expected_columns
    left join scorecard_columns
        on expected_columns.column_name = scorecard_columns.column_name
    where scorecard_columns.column_name is null

)

select * from final
