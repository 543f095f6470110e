{# Quarters as consecutive integers, so "previous quarter" is index - 1 and "same quarter last year" index - 4. #}
{% macro quarter_index(year, quarter_num) -%}
    ({{ year }} * 4 + {{ quarter_num }} - 1)
{%- endmacro %}
