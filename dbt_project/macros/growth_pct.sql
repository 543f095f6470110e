{# Growth in percent, null when the base is missing or not positive (docs/methodology.md: never guessed). #}
{% macro growth_pct(current_value, base_value) -%}
    case
        when {{ base_value }} > 0 then ({{ current_value }} / {{ base_value }} - 1) * 100
    end
{%- endmacro %}
