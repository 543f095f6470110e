{#
    Table and column comments (persist_docs) on DuckDB in at most two statements: one reads the comments the
    relation has, one writes those that differ from the model's descriptions.

    dbt's own version asks for the columns twice and writes the table's comment and the columns' separately, on
    every build: four statements per model, each a few milliseconds of dbt's Python. On an incremental build the
    comments are already there (a changed description changes the project fingerprint, and that build is a full
    refresh: docs/incremental.md), so this reads them and writes nothing. A documented column the relation lacks is
    warned about as dbt does (`validate_doc_columns`).
#}

{% macro duckdb__persist_docs(relation, model, for_relation, for_columns) -%}
    {%- if not comments_wanted(model, for_relation, for_columns) -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set statements = comment_statements(relation, model, comments_of(relation), for_relation, for_columns) -%}
    {%- if statements -%}
        {%- do run_query(statements | join('\n')) -%}
    {%- endif -%}
{%- endmacro %}


{% macro comment_statements(relation, model, has, for_relation=true, for_columns=true) -%}
    {#- the statements that give the relation the model's descriptions as comments, where `has` (comments_of) differs.
        has none: a table this statement creates with the contract's columns, so it has every documented column and
        no comment yet (macros/create_in_place.sql) -#}
    {%- set want_relation = relation_comment_wanted(model, for_relation) -%}
    {%- set want_columns = column_comments_wanted(model, for_columns) -%}
    {%- set has = has or {'relation': none, 'columns': {}, 'lower_columns': {}, 'created': true} -%}
    {%- set statements = [] -%}
    {%- if want_relation and has.relation != model.description -%}
        {%- do statements.append(alter_relation_comment(relation, model.description)) -%}
    {%- endif -%}
    {%- if want_columns -%}
        {%- set documented = model.columns if has.created
            else validate_doc_columns(relation, model.columns, has.columns.keys() | list) -%}
        {%- for name, column in documented.items() -%}
            {%- set existing = has.columns.get(name) if column.quote else has.lower_columns.get(name | lower) -%}
            {%- if column.description and existing != column.description -%}
                {%- do statements.append(
                    'comment on column ' ~ relation ~ '.' ~ (adapter.quote(name) if column.quote else name)
                    ~ ' is ' ~ duckdb_escape_comment(column.description) ~ ';'
                ) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(statements) }}
{%- endmacro %}


{% macro comments_wanted(model, for_relation=true, for_columns=true) -%}
    {{ return(relation_comment_wanted(model, for_relation) or column_comments_wanted(model, for_columns)) }}
{%- endmacro %}


{% macro relation_comment_wanted(model, for_relation=true) -%}
    {{ return(for_relation and config.persist_relation_docs() and model.description) }}
{%- endmacro %}


{% macro column_comments_wanted(model, for_columns=true) -%}
    {{ return(for_columns and config.persist_column_docs() and model.columns) }}
{%- endmacro %}


{% macro comments_of(relation) -%}
    {#- the relation's comment and its columns' comments, as DuckDB's catalog holds them -#}
    {%- set catalog, name_column = ('duckdb_views()', 'view_name') if relation.type == 'view'
        else ('duckdb_tables()', 'table_name') -%}
    {%- set in_schema -%}
        lower(database_name) = lower('{{ relation.database }}') and lower(schema_name) = lower('{{ relation.schema }}')
    {%- endset -%}
    {%- set query -%}
        select 'relation' as kind, null as column_name, comment from {{ catalog }}
        where {{ in_schema }} and lower({{ name_column }}) = lower('{{ relation.identifier }}')
        union all
        select 'column', column_name, comment from duckdb_columns()
        where {{ in_schema }} and lower(table_name) = lower('{{ relation.identifier }}')
    {%- endset -%}
    {%- set found = {'relation': none, 'columns': {}, 'lower_columns': {}, 'created': false} -%}
    {%- for row in run_query(query).rows -%}
        {%- if row[0] == 'relation' -%}
            {%- do found.update({'relation': row[2]}) -%}
        {%- else -%}
            {%- do found.columns.update({row[1]: row[2]}) -%}
            {%- do found.lower_columns.update({row[1] | lower: row[2]}) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(found) }}
{%- endmacro %}
