{# Whole-number division: `//` exists on DuckDB only, `div` on Spark; dispatched like dbt's cross-database macros. #}
{% macro integer_divide(dividend, divisor) -%}
    {{ return(adapter.dispatch('integer_divide', 'nhtz')(dividend, divisor)) }}
{%- endmacro %}

{% macro default__integer_divide(dividend, divisor) -%}
    cast(floor(({{ dividend }}) / ({{ divisor }})) as integer)
{%- endmacro %}

{% macro duckdb__integer_divide(dividend, divisor) -%}
    (({{ dividend }}) // ({{ divisor }}))
{%- endmacro %}

{% macro spark__integer_divide(dividend, divisor) -%}
    cast((({{ dividend }}) div ({{ divisor }})) as int)
{%- endmacro %}
