{#
    Generic test: the rows where the SQL expression is not true fail (dbt_utils is unreachable here).
    On a column the expression continues the column name, e.g. `expression: ">= 0"`.
#}
{% test expression_is_true(model, expression, column_name=none) %}

select *
from {{ model }}
where not coalesce(({{ column_name ~ ' ' if column_name else '' }}{{ expression }}), false)

{% endtest %}
