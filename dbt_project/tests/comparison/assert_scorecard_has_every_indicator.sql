-- The scorecard's columns are a static list (contracts need them at parse time): every indicator of the
-- indicators seed must have its value column and its YoY column. Missing ones are returned.
-- The built table's columns come from dbt's adapter (every engine has them; information_schema is not everywhere).
-- depends_on: {{ ref('park_scorecard') }}
{%- set built_columns = [] -%}
{%- if execute -%}
    {%- for column in adapter.get_columns_in_relation(ref('park_scorecard')) -%}
        {%- do built_columns.append(column.name | lower) -%}
    {%- endfor -%}
{%- endif %}
with indicators as (

    select * from {{ ref('indicators') }}

),

scorecard_columns as (

    select scorecard.column_name
    from (
        values
        {% for column_name in built_columns -%}
            ('{{ column_name }}'){{ ',' if not loop.last }}
        {% endfor -%}
    ) as scorecard (column_name)

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
