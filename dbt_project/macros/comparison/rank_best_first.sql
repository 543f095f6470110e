{#
    Rank 1 is the best value given the indicator's direction (1: highest first, -1: lowest first);
    ties share the smaller rank (rank(), not dense_rank(): two parks tied at 1 make the next one 3).
    One numeric sort key, direction × value, highest first: one sort instead of two case expressions.
    Direction 0 (neither better nor worse) is never ranked: callers leave it out.
#}
{% macro rank_best_first(value, direction, partition_by) -%}
    rank() over (
        partition by {{ partition_by | join(', ') }}
        order by {{ direction }} * {{ value }} desc
    )
{%- endmacro %}
