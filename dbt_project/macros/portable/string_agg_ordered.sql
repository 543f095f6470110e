{#
    The values of a group joined into one text in a fixed order (e.g. "R01,R02"). DuckDB orders inside
    string_agg; Spark's string_agg takes no order, its listagg takes `within group (order by ...)` (dbt's own
    listagg ignores the order on Spark, so it does not do here).
#}
{% macro string_agg_ordered(measure, delimiter, order_by) -%}
    {{ return(adapter.dispatch('string_agg_ordered', 'nhtz')(measure, delimiter, order_by)) }}
{%- endmacro %}

{% macro default__string_agg_ordered(measure, delimiter, order_by) -%}
    string_agg({{ measure }}, {{ delimiter }} order by {{ order_by }})
{%- endmacro %}

{% macro spark__string_agg_ordered(measure, delimiter, order_by) -%}
    listagg({{ measure }}, {{ delimiter }}) within group (order by {{ order_by }})
{%- endmacro %}
