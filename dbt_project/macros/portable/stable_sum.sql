{#
    Σ of floating-point values whose result does not depend on the order the rows are added in; `where`: the
    aggregate's filter (the rows it adds).

    DuckDB adds a group's rows in whatever order its threads reach them, and floating addition is not associative
    (0.1 + 0.2 + 0.3 is 0.6000000000000001, 0.3 + 0.2 + 0.1 is 0.6): two builds of the same data published totals
    that differed in the 16th digit and growth rates in the 12th, and an incremental build differed from a full
    refresh the same way (docs/incremental.md, "The same numbers from any build"). DuckDB's fsum adds with Kahan's
    compensation, which carries the rounding error of each addition along, so the total comes out the same whatever
    the order, short of a total within a hair of halfway between two doubles. It costs about as much as sum
    (benchmarks/README.md); an exact sum through DECIMAL(38, 10) cost a quarter more on national_quarter, and fails on
    a value beyond 10^28 that no rule has held out yet.
    Spark has no compensated sum: there the values are added exactly as DECIMAL(38, 18), 18 decimals (at 10 a weighted
    mean of scores near 0 lost a billionth of itself) and up to 10^20 (`make spark-check` runs the hand-made fixture
    and a synthetic enterprise panel, far from that).
#}
{% macro stable_sum(expression, where=none) -%}
    {{ return(adapter.dispatch('stable_sum', 'nhtz')(expression, where)) }}
{%- endmacro %}

{% macro duckdb__stable_sum(expression, where) -%}
    fsum({{ expression }}){% if where %} filter (where {{ where }}){% endif %}
{%- endmacro %}

{% macro default__stable_sum(expression, where) -%}
    cast(sum(cast(({{ expression }}) as decimal(38, 18))){% if where %} filter (where {{ where }}){% endif %} as double)
{%- endmacro %}
