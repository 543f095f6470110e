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
    {#- a unit test has no relation of its own: it computes its given rows in full -#}
    {%- if not execute or this is none or not is_incremental() or var('enterprise_source', none) is not none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set state = adapter.get_relation(database=this.database, schema='audit', identifier='incremental_state') -%}
    {%- if state is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set query -%}
        with watermark as (
            select max(landing_max_file_id) as file_id
            from {{ state }}
            where model = '{{ this.identifier }}'
        )

        select
            (select count(file_id) from watermark) as has_watermark,
            min({{ quarter_index('observations.period_year', integer_divide('observations.period_month + 2', 3)) }})
                as since
        from {{ source('raw', 'observations') }} as observations
        where observations.file_id > (select file_id from watermark)
    {%- endset -%}
    {%- set row = run_query(query).rows[0] -%}
    {%- if row[0] == 0 -%}
        {{ return(none) }}
    {%- elif row[1] is none -%}
        {#- nothing landed since: past every quarter -#}
        {{ return(999999) }}
    {%- endif -%}
    {{ return(row[1] | int) }}
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
    {#- replaces the target's rows from the reprocessed quarter on by the new rows (none: every row) -#}
    {%- set since = reprocess_since() -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ arg_dict['target_relation'] }}
    where {{ reprocessed(config.require('quarter_index_sql'), since) }};

    insert into {{ arg_dict['target_relation'] }} ({{ columns }})
    select {{ columns }} from {{ arg_dict['temp_relation'] }}
{%- endmacro %}


{% macro record_incremental_state() -%}
    {#- rendered as the model's post-hook, inside its transaction: the rows and the watermark commit together -#}
    {%- if execute and target.type == 'duckdb' and build_identity_is_recorded() -%}
        {%- set since = reprocess_since() -%}
        insert into audit.incremental_state
        select
            '{{ this.identifier }}',
            '{{ invocation_id }}',
            (select max(file_id) from {{ source('landing_audit', 'ingest_log') }}),
            {{ since if since is not none else 'null' }},
            {{ "'" ~ var('project_fingerprint') ~ "'" if var('project_fingerprint', none) else 'null' }},
            timezone('UTC', now())
    {%- endif -%}
{%- endmacro %}
