{#
    The text type in casts: DuckDB's varchar, Spark's string (Spark's varchar needs a length). dbt's own
    type_string() renders `text`, which Spark does not know, hence this one; dispatched like dbt's
    cross-database macros, so another engine adds its own `<adapter>__string_type`.
#}
{% macro string_type() -%}
    {{ return(adapter.dispatch('string_type', 'nhtz')()) }}
{%- endmacro %}

{% macro default__string_type() -%}
    varchar
{%- endmacro %}

{% macro spark__string_type() -%}
    string
{%- endmacro %}
