{# The last day of a quarter (DATE), the time axis BI tools need; last_day(make_date()) is portable SQL. #}
{% macro quarter_end(year, quarter_num) -%}
    last_day(make_date({{ year }}, {{ quarter_num }} * 3, 1))
{%- endmacro %}
