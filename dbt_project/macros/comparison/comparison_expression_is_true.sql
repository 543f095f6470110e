{# Rows for which the expression is not true fail the test (dbt_utils is unreachable here). #}
{% test comparison_expression_is_true(model, expression) %}
    select * from {{ model }} where not coalesce({{ expression }}, false)
{% endtest %}
