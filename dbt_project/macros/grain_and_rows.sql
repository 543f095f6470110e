{#
    Generic test: a model's rows in one test. No two rows share the grain (`columns`; nulls count as one value), and
    every row makes `expression` true (the checks a contract cannot hold: several columns at once, or a relationship
    as a subquery on another model). Each test is a dbt node of its own, and in a build a model's children wait for
    its tests, so a model with two tests held the chain for two turns of dbt's threads.
    A failing row says which check it broke: `broken` is 'grain' (the rows unique_combination returns: the
    grain and n_rows, the rows sharing it) or 'row'.
#}
{% test grain_and_rows(model, columns, expression) %}

select
    'grain' as broken,
    shared_grains.*
from ({{ test_unique_combination(model, columns) }}) as shared_grains

union all

select
    'row' as broken,
    {{ columns | join(', ') }},
    1 as n_rows
from {{ model }}
where not coalesce(({{ expression }}), false)

{% endtest %}
