{#
    A build tests the rows it wrote (docs/incremental.md, "What a build tests").

    An incremental build replaces each park-level model's rows from its reprocessed quarter on and leaves the rows
    before it as they were. Those rows passed every data test in the build that wrote them, or in a later one, so
    testing them again says nothing new: in a `dbt build`, the data tests of an incremental park-level model read its
    rows from the earliest quarter that any build since the last successful `dbt build` reprocessed. That covers what
    this build wrote, and what a failed build wrote before it (its failures are found again until they are fixed).

    - Full refresh and first build: the state rows say "every quarter" (reprocessed_from null), so every row is
      tested.
    - `dbt test` (by hand), any other engine, any model that is not an incremental park-level model: every row.
    - A test that compares models (national = Σ parks) reads the same quarters of each: from the earliest of theirs.
#}

{% macro duckdb__get_where_subquery(relation) -%}
    {#- dbt's own (a test's `where` config), narrowed to the quarters to test of the tested model -#}
    {%- set conditions = [] -%}
    {%- set where = config.get('where', '') -%}
    {%- if where -%}
        {%- do conditions.append('(' ~ where ~ ')') -%}
    {%- endif -%}
    {#- parsed before the graph exists: only the relation matters then -#}
    {%- set tested_model = graph.nodes.get(model.attached_node) if execute and model.attached_node else none -%}
    {%- if tested_model is not none and tested_model.resource_type == 'model' -%}
        {%- set narrowed = quarters_to_test(tested_model.name) -%}
        {%- if narrowed != 'true' -%}
            {%- do conditions.append(narrowed) -%}
        {%- endif -%}
    {%- endif -%}
    {%- if conditions -%}
        {{ return('(select * from ' ~ relation ~ ' where ' ~ conditions | join(' and ') ~ ') dbt_subquery') }}
    {%- endif -%}
    {{ return(relation) }}
{%- endmacro %}


{% macro quarters_to_test(model_name, compared_with=[]) -%}
    {#- a where-condition on `model_name`'s rows: the quarters this build tests (true: every row). compared_with: the
        other models a singular test compares it with, which are tested over the same quarters -#}
    {%- set models = [model_name] + compared_with -%}
    {%- if not builds_test_what_they_wrote() -%}
        {{ return('true') }}
    {%- endif -%}
    {%- set quarter_index_sql = tested_quarter_index_sql(model_name) -%}
    {%- if quarter_index_sql is none -%}
        {{ return('true') }}
    {%- endif -%}
    {%- for other in compared_with -%}
        {%- if tested_quarter_index_sql(other) is none -%}
            {{ return('true') }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(quarter_index_sql ~ ' >= ' ~ first_quarter_to_test(models)) }}
{%- endmacro %}


{% macro builds_test_what_they_wrote() -%}
    {#- a `dbt build` on DuckDB that records its identity and the models' state (macros/record_build.sql) -#}
    {{ return(execute and target.type == 'duckdb' and flags.WHICH == 'build' and build_identity_is_recorded()) }}
{%- endmacro %}


{% macro tested_quarter_index_sql(model_name) -%}
    {#- the quarter index of an incremental park-level model's rows, in its own columns; none for any other model -#}
    {%- set node = graph.nodes.get('model.' ~ project_name ~ '.' ~ model_name) -%}
    {%- if node is none or node.config.materialized != 'incremental'
        or node.config.get('incremental_strategy') != 'reprocessed_quarters' -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(node.config.get('quarter_index_sql')) }}
{%- endmacro %}


{% macro first_quarter_to_test(model_names) -%}
    {#- the earliest quarter any build since the last successful `dbt build` reprocessed in these models, as a scalar
        subquery (0, every quarter: a full rebuild, or no state row since) -#}
    (
        select coalesce(min(coalesce(reprocessed_from, 0)), 0)
        from {{ warehouse_table('audit', 'incremental_state') }}
        where
            model in ('{{ model_names | join("', '") }}')
            and recorded_at > (
                select coalesce(max(finished_at), '-infinity'::timestamp)
                from {{ warehouse_table('audit', 'build_identity') }}
                where status = 'ok' and command = 'build'
            )
    )
{%- endmacro %}
