{#
    A table created or rebuilt in full on DuckDB in one statement (docs/incremental.md, "What a build costs").

    dbt-duckdb's table materialisation (and its incremental one on a first build or a full refresh) writes the rows
    to an intermediate table, looks up the old table's indexes and the foreign keys that may point at it, renames the
    old table away and the new one into place, reads the comments back and writes them, and drops the old table after
    the commit: 14 statements a model, each a round of dbt's statement machinery under the interpreter lock. DuckDB's
    DDL is transactional, so the same replacement is one statement in the model's transaction: drop the old table,
    create the new one with its contract's columns and constraints, insert the rows, comment them, and run the
    transaction's post-hooks (an incremental model's state row). A failure rolls all of it back and leaves the old
    table as it was. dbt-duckdb itself builds in place this way when foreign keys forbid the rename.

    Taken by a SQL model whose old relation is absent or a table, without indexes, grants or foreign keys; anything
    else goes to dbt-duckdb's own materialisation.
#}

{% materialization table, adapter='duckdb', supported_languages=['sql', 'python'] -%}
    {%- set existing_relation = load_cached_relation(this) -%}
    {%- if not can_create_in_place(existing_relation) -%}
        {{ return(dbt.materialization_table_duckdb()) }}
    {%- endif -%}
    {{ return(create_in_place(existing_relation)) }}
{%- endmaterialization %}


{% macro can_create_in_place(existing_relation) -%}
    {{ return(
        model.language == 'sql'
        and (existing_relation is none or existing_relation.is_table)
        and not config.get('indexes')
        and not config.get('grants')
        and 'foreign_key' not in enforced_constraint_types()
    ) }}
{%- endmacro %}


{% macro create_in_place(existing_relation) -%}
    {#- the materialisation's work; returns its relations. Comments go with the rows when the contract fixes the
        columns (every documented column then exists); otherwise they are written after, checked as dbt checks them -#}
    {%- set target_relation = this.incorporate(type='table') -%}
    {%- set contracted = config.get('contract').enforced -%}
    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}
    {%- call statement('main') -%}
        {%- if existing_relation is not none %}
        drop table {{ existing_relation }};
        {%- endif %}
        {{ create_table_as(False, target_relation, compiled_code) }}
        {% if contracted and comments_wanted(model) -%}
        {{ comment_statements(target_relation, model, none) | join('\n') }}
        {%- endif %}
        {{ transaction_post_hooks_sql() }}
    {%- endcall -%}
    {%- if not contracted -%}
        {% do persist_docs(target_relation, model) %}
    {%- endif -%}
    {% do adapter.commit() %}
    {{ run_hooks(post_hooks, inside_transaction=False) }}
    {{ return({'relations': [target_relation]}) }}
{%- endmacro %}


{% macro transaction_post_hooks_sql() -%}
    {#- the model's post-hooks that run in its transaction, rendered as dbt's run_hooks renders them, to go with the
        model's statement: the same transaction, one round of dbt's statement machinery fewer -#}
    {%- set rendered = [] -%}
    {%- for hook in post_hooks | selectattr('transaction', 'equalto', true) -%}
        {%- do rendered.append(render(hook.get('sql')) | trim) -%}
    {%- endfor -%}
    {{ rendered | reject('equalto', '') | join(';\n') }}
{%- endmacro %}
