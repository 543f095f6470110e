{#
    Min-max score 0-100 of a value among its partition (the parks of one quarter and indicator):
    the best value scores 100 and the worst 0, reversed where the direction is -1.
    When every park has the same value nobody is behind anybody, so everyone scores 100
    (docs/comparison_marts.md), which also keeps the division by (max - min) away from zero.
#}
{% macro min_max_score(value, direction, partition_by) -%}
    {%- set window = 'over (partition by ' ~ (partition_by | join(', ')) ~ ')' -%}
    {%- set score -%}
    case
        when max({{ value }}) {{ window }} = min({{ value }}) {{ window }} then 100.0
        when {{ direction }} = -1
            then (max({{ value }}) {{ window }} - {{ value }})
            / (max({{ value }}) {{ window }} - min({{ value }}) {{ window }}) * 100.0
        else ({{ value }} - min({{ value }}) {{ window }})
            / (max({{ value }}) {{ window }} - min({{ value }}) {{ window }}) * 100.0
    end
    {%- endset -%}
    {{ bounded_score(score) }}
{%- endmacro %}

{# A score kept within 0-100: sums of weighted scores carry floating rounding (100.00000000000001). #}
{% macro bounded_score(expression) -%}
    least(100.0, greatest(0.0, {{ expression }}))
{%- endmacro %}

{# The mean of a group's scores weighted by `weight`, the same whatever order its rows come in (stable_sum). #}
{% macro weighted_mean(value, weight) -%}
    {{ stable_sum(weight ~ ' * ' ~ value) }} / {{ stable_sum(weight) }}
{%- endmacro %}
