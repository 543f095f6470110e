{#
    Incremental park-level models (docs/incremental.md).

    A landing can add a new quarter or revise any earlier one, and a value reaches later quarters: the next
    quarter's single quarter, next year's growth, the magnitude rule's reference walk, the outlier rule's
    history. So a build does not patch rows: each park-level model recomputes every row from the earliest
    quarter that anything landed since its own last build touched ("reprocessed quarters", one quarter index
    for all parks), reading as far back as its rules look, and replaces its rows from that quarter on.

    - `reprocess_since()`: that quarter index; none means every quarter (the table is being created, the state
      is missing, enterprise totals feed the build). With nothing new landed it is past every quarter, so the
      model recomputes nothing and replaces nothing.
    - Each model's own state is one row per build in audit.incremental_state (created when a build starts,
      macros/record_build.sql), written in the model's transaction (a post-hook): a model that failed keeps its
      old watermark and catches up next time.
    - A change of the project itself (models, macros, seeds, dbt versions) is a full refresh, decided before
      the build from the fingerprint the rows carry (nhtz.build).
    - Only on DuckDB: elsewhere (Spark) the models stay plain tables, rebuilt in full.
#}

{% macro incremental_by_quarter(quarter_index_sql) -%}
    {#- the model config of a park-level model; quarter_index_sql: its quarter index in its own columns -#}
    {%- if target.type == 'duckdb' -%}
        {{ return({
            'materialized': 'incremental',
            'incremental_strategy': 'reprocessed_quarters',
            'on_schema_change': 'fail',
            'quarter_index_sql': quarter_index_sql,
            'post_hook': ["{{ record_incremental_state() }}"],
        }) }}
    {%- else -%}
        {{ return({'materialized': 'table'}) }}
    {%- endif -%}
{%- endmacro %}


{% macro reprocess_since() -%}
    {#- the model's reprocessed quarter, read once when its SQL is compiled (none: every quarter) -#}
    {%- if not reprocessing_applies() -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set since = run_query('select ' ~ reprocess_since_sql()).rows[0][0] -%}
    {{ return(none if since is none else since | int) }}
{%- endmacro %}


{% macro reprocessing_applies() -%}
    {#- whether this run reprocesses part of the model: a unit test has no relation of its own and computes its given
        rows in full; so does a run that creates the table or reads enterprise totals, or one without state -#}
    {%- if not execute or this is none or not is_incremental() or var('enterprise_source', none) is not none -%}
        {{ return(false) }}
    {%- endif -%}
    {{ return(adapter.get_relation(database=this.database, schema='audit', identifier='incremental_state') is not none) }}
{%- endmacro %}


{% macro reprocess_since_sql() -%}
    {#- the same quarter as a scalar subquery, for the statements the materialisation runs (the replace and the
        state row): they compute it inside their own statement instead of asking dbt for it again. null: no
        watermark (every quarter); 999999: nothing landed since (past every quarter) -#}
    (
        with watermark as (
            select max(landing_max_file_id) as file_id
            from audit.incremental_state
            where model = '{{ this.identifier }}'
        )

        select
            case
                when (select file_id from watermark) is not null
                    then coalesce(
                        min({{ quarter_index_of_month('observations.period_year', 'observations.period_month') }}),
                        999999
                    )
            end
        from {{ source('raw', 'observations') }} as observations
        where observations.file_id > (select file_id from watermark)
    )
{%- endmacro %}


{% macro project_is_vouched_for() -%}
    {#- an incremental run of a park-level model under the project its table was created by. These models run only
        in nhtz.build's builds (the command line and Dagster alike), which pass the project's fingerprint and plan an
        incremental build only when every model's last state row carries it (nhtz.build.plan_build); otherwise the
        build is a full refresh. So the table already has the columns, types and comments this run would give it.
        A dbt run by hand passes no fingerprint -#}
    {{ return(
        is_incremental()
        and config.get('incremental_strategy') == 'reprocessed_quarters'
        and var('project_fingerprint', none) is not none
    ) }}
{%- endmacro %}


{% macro duckdb__process_schema_changes(on_schema_change, source_relation, target_relation) -%}
    {#- dbt's schema-change check looks the columns of the new rows and of the table up (two statements per model,
        each some milliseconds of dbt's Python); the fingerprint already vouches that they cannot differ. A
        contracted model's new rows are still checked against its contract when they are written -#}
    {%- if project_is_vouched_for() -%}
        {{ return({}) }}
    {%- endif -%}
    {{ return(default__process_schema_changes(on_schema_change, source_relation, target_relation)) }}
{%- endmacro %}


{% macro reprocessed(quarter_index_sql, since, looking_back=0) -%}
    {#- a where-condition: the rows a reprocessing reads (looking_back quarters before `since`) -#}
    {%- if since is none -%}
        true
    {%- else -%}
        {{ quarter_index_sql }} >= {{ since - looking_back }}
    {%- endif -%}
{%- endmacro %}


{% macro quarter_index_of_label(quarter_label_sql) -%}
    {{ quarter_index(
        'cast(substr(' ~ quarter_label_sql ~ ', 1, 4) as integer)',
        'cast(substr(' ~ quarter_label_sql ~ ', 6, 1) as integer)'
    ) }}
{%- endmacro %}


{% macro quarter_index_of_month(year_sql, month_sql) -%}
    {{ quarter_index(year_sql, integer_divide(month_sql ~ ' + 2', 3)) }}
{%- endmacro %}


{% macro get_incremental_reprocessed_quarters_sql(arg_dict) -%}
    {#- replaces the target's rows from the reprocessed quarter on by the new rows (every row when it is null) -#}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ arg_dict['target_relation'] }}
    {%- if reprocessing_applies() %}
    where {{ config.require('quarter_index_sql') }} >= coalesce({{ reprocess_since_sql() }}, 0)
    {%- endif %};

    insert into {{ arg_dict['target_relation'] }} ({{ columns }})
    select {{ columns }} from {{ arg_dict['temp_relation'] }}
{%- endmacro %}


{% macro record_incremental_state() -%}
    {#- rendered as the model's post-hook, inside its transaction: the rows and the watermark commit together -#}
    {%- if execute and target.type == 'duckdb' and build_identity_is_recorded() -%}
        insert into audit.incremental_state
        select
            '{{ this.identifier }}',
            '{{ invocation_id }}',
            (select max(file_id) from {{ source('landing_audit', 'ingest_log') }}),
            {{ reprocess_since_sql() if reprocessing_applies() else 'null' }},
            {{ "'" ~ var('project_fingerprint') ~ "'" if var('project_fingerprint', none) else 'null' }},
            timezone('UTC', now())
    {%- endif -%}
{%- endmacro %}
