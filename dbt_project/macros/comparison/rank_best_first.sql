{#
    Rank 1 is the best value given the indicator's direction (1: highest first, -1: lowest first);
    ties share the smaller rank (rank(), not dense_rank(): two parks tied at 1 make the next one 3).
    The direction is constant within a partition, so only one of the two sort keys is ever non-null.
#}
{% macro rank_best_first(value, direction, partition_by) -%}
    rank() over (
        partition by {{ partition_by | join(', ') }}
        order by
            case when {{ direction }} = -1 then {{ value }} end asc,
            case when {{ direction }} = 1 then {{ value }} end desc
    )
{%- endmacro %}
