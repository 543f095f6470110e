{# Quarter text YYYYQn as the marts and nhtz.quarters write it. #}
{% macro quarter_label(year, quarter_num) -%}
    (({{ year }})::varchar || 'Q' || ({{ quarter_num }})::varchar)
{%- endmacro %}
