{#
    A number written as text the way DuckDB's cast writes it, for the audit messages: plain digits with at least
    one decimal (12.5, 100.0, 0.0001), exponent form from 1e16 up (1e+16). Spark's own cast writes 1.0E7 from
    ten million up and 1.0E-4 below 0.001, so on Spark the plain form goes through a decimal with four places,
    enough for the numbers the messages show (message_number rounds them to at most four decimals).
#}
{% macro number_text(value) -%}
    {{ return(adapter.dispatch('number_text', 'nhtz')(value)) }}
{%- endmacro %}

{% macro default__number_text(value) -%}
    cast(({{ value }}) as varchar)
{%- endmacro %}

{% macro spark__number_text(value) -%}
    case
        when abs({{ value }}) >= 1e16
            then regexp_replace(regexp_replace(cast(({{ value }}) as string), '[.]0E', 'E'), 'E', 'e+')
        else regexp_replace(
            regexp_replace(cast(cast(({{ value }}) as decimal(38, 4)) as string), '0+$', ''), '[.]$', '.0'
        )
    end
{%- endmacro %}
