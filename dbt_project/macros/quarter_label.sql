{# Quarter text YYYYQn as the marts and nhtz.quarters write it. #}
{% macro quarter_label(year, quarter_num) -%}
    (({{ year }})::{{ string_type() }} || 'Q' || ({{ quarter_num }})::{{ string_type() }})
{%- endmacro %}
