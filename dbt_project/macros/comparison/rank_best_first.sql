{#
    Rank 1 is the best score; ties share the smaller rank (rank(), not dense_rank(): two parks tied at 1 make the
    next one 3). The caller computes the score once, direction × value (direction 1: highest value first, -1: lowest
    first), so the window sorts one number and carries neither the value's sign nor the direction.
    Direction 0 (neither better nor worse) is never ranked: callers leave it out.
#}
{% macro rank_best_first(score, partition_by) -%}
    rank() over (
        partition by {{ partition_by | join(', ') }}
        order by {{ score }} desc
    )
{%- endmacro %}
