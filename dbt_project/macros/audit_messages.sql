{# A number as an audit message shows it: one decimal from 100 up, two from 1, four below. #}
{% macro message_number(value) -%}
    {%- set rounded -%}
        case
            when abs({{ value }}) >= 100 then round({{ value }}, 1)
            when abs({{ value }}) >= 1 then round({{ value }}, 2)
            else round({{ value }}, 4)
        end
    {%- endset -%}
    coalesce({{ number_text(rounded) }}, '—')
{%- endmacro %}

{#
    Fill the {placeholders} of a rule's message_zh: `fillings` maps placeholder names to SQL expressions;
    `specific_fillings` are applied first, so they win over the common ones of the same name.
    The rules table decides the wording; unknown placeholders stay visible so a typo in the seed shows.
#}
{% macro fill_message(template, fillings, specific_fillings={}) -%}
    {%- set ns = namespace(sql=template) -%}
    {%- for name, expression in (specific_fillings.items() | list) + (fillings.items() | list) -%}
        {%- set filling = "coalesce((" ~ expression ~ ")::" ~ string_type() ~ ", '—')" -%}
        {%- set ns.sql = "replace(" ~ ns.sql ~ ", '{" ~ name ~ "}', " ~ filling ~ ")" -%}
    {%- endfor -%}
    {{ ns.sql }}
{%- endmacro %}

{# The placeholders every rule message may use, filled from a CTE aliased `checked`. #}
{% macro common_message_fillings() -%}
    {{ return({
        'quarter': 'checked.quarter',
        'indicator': 'checked.name_zh',
        'unit': 'checked.unit',
        'value': message_number('checked.value_ytd'),
        'threshold': message_number('checked.threshold'),
    }) }}
{%- endmacro %}
