{#
    Incremental park-level models (docs/incremental.md).

    A landing can add a new quarter or revise any earlier one, and a value reaches later quarters: the next
    quarter's single quarter, next year's growth, the magnitude rule's reference walk, the outlier rule's
    history. So a build does not patch rows: each park-level model recomputes every row from the earliest
    quarter that anything landed since its own last build touched ("reprocessed quarters", one quarter index
    for all parks), reading as far back as its rules look, and replaces its rows from that quarter on.

    - `reprocess_since()`: that quarter index, as SQL the model's own statement computes; none means every
      quarter (the table is being created, the state is missing, enterprise totals feed the build). With nothing
      new landed it is past every quarter, so the model recomputes nothing and replaces nothing.
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
    {#- the model's reprocessed quarter as SQL its own statement computes (none: every quarter, decided when it is
        compiled). Not asked when it is compiled: each question was a statement of dbt's of its own, 26 in a new
        quarter's build (docs/incremental.md, "What a build costs").
        - a vouched-for run: the DuckDB variable its materialisation sets first in the same statement. DuckDB reads a
          variable when it plans the query, as a constant, so the filters prune and push down as a number does; a
          scalar subquery in their place made a new quarter's build 0.37 s slower.
        - any other run (dbt by hand): the scalar subquery, correct and slower -#}
    {%- if not reprocessing_applies() -%}
        {{ return(none) }}
    {%- elif project_is_vouched_for() -%}
        {{ return("getvariable('" ~ reprocess_since_variable() ~ "')") }}
    {%- endif -%}
    {{ return(reprocess_since_sql()) }}
{%- endmacro %}


{% macro reprocess_since_variable() -%}
    {#- per connection, so dbt's threads each have their own; set and read in one statement -#}
    {{ return('nhtz_reprocess_since') }}
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
    {#- the reprocessed quarter as a scalar subquery, for the model's query, the replace and the state row alike:
        each computes it inside its own statement, from the same watermark and the same landed values, which do not
        change during a build. null: no watermark (every quarter); 999999: nothing landed since (past every quarter) -#}
    (
        with watermark as (
            select max(landing_max_file_id) as file_id
            from {{ warehouse_table('audit', 'incremental_state') }}
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


{% materialization incremental, adapter='duckdb' -%}
    {#- A vouched-for incremental run replaces the reprocessed quarters' rows straight from the model's query, in one
        statement. dbt-duckdb's materialisation first writes the rows to a temporary table, checks its columns against
        the contract, looks up the table's columns for the insert, and (with on_schema_change) compares the two: each
        a statement and some milliseconds of dbt's Python, and every one of them checks what the fingerprint vouches
        for. A model's run is then the begin, the replace with its state row, and the commit (docs/incremental.md,
        "What a build costs"). The table created or rebuilt in full is created in place, as a table model is
        (macros/create_in_place.sql). Every other run (a dbt run by hand) is dbt-duckdb's own materialisation, which
        stays in dbt's namespace under its own name. -#}
    {%- set existing_relation = load_cached_relation(this) -%}
    {%- if (existing_relation is none or should_full_refresh()) and can_create_in_place(existing_relation) -%}
        {{ return(create_in_place(existing_relation)) }}
    {%- elif not project_is_vouched_for() -%}
        {{ return(dbt.materialization_incremental_duckdb()) }}
    {%- endif -%}

    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}
    {#- the model's state row (a post-hook of its transaction) goes with the replace -#}
    {%- call statement('main') -%}
        {%- if reprocessing_applies() %}
        set variable {{ reprocess_since_variable() }} = {{ reprocess_since_sql() }};
        {%- endif %}
        {{ replace_reprocessed_quarters(this, compiled_code) }};
        {{ transaction_post_hooks_sql() }}
    {%- endcall -%}
    {% do adapter.commit() %}
    {{ run_hooks(post_hooks, inside_transaction=False) }}
    {{ return({'relations': [this.incorporate(type='table')]}) }}
{%- endmaterialization %}


{% macro reprocessed(quarter_index_sql, since, looking_back=0) -%}
    {#- a where-condition: the rows a reprocessing reads (looking_back quarters before `since`, reprocess_since()'s SQL;
        its null, no watermark, reads every quarter as the replace does) -#}
    {%- if since is none -%}
        true
    {%- else -%}
        {{ quarter_index_sql }} >= coalesce({{ since }}, 0) - {{ looking_back }}
    {%- endif -%}
{%- endmacro %}


{% macro before_reprocessed(quarter_index_sql, since, looking_back=none) -%}
    {#- a where-condition on the model's own table (`this`) in an incremental build: its rows of the quarters before
        the reprocessed ones, the last `looking_back` of them or all, as earlier builds left them. No rows when there
        is no watermark (`since`'s null: every quarter is reprocessed) -#}
    {{ quarter_index_sql }} < {{ since }}
    {%- if looking_back is not none %}
    and {{ quarter_index_sql }} >= {{ since }} - {{ looking_back }}
    {%- endif %}
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
    {#- the strategy of dbt-duckdb's materialisation (a run that is not vouched for): the same replace, from the
        temporary table that materialisation writes the new rows to -#}
    {{ replace_reprocessed_quarters(arg_dict['target_relation'], 'select * from ' ~ arg_dict['temp_relation']) }}
{%- endmacro %}


{% macro replace_reprocessed_quarters(target_relation, new_rows_sql) -%}
    {#- replaces the target's rows from the reprocessed quarter on by the new rows (every row when it is null); the
        columns are matched by name, so their order in the query does not matter -#}
    delete from {{ target_relation }}
    {%- if reprocessing_applies() %}
    where {{ config.require('quarter_index_sql') }} >= coalesce({{ reprocess_since() }}, 0)
    {%- endif %};

    insert into {{ target_relation }} by name
    {{ new_rows_sql }}
{%- endmacro %}


{% macro record_incremental_state() -%}
    {#- rendered as the model's post-hook, inside its transaction: the rows and the watermark commit together -#}
    {%- if execute and target.type == 'duckdb' and build_identity_is_recorded() -%}
        insert into {{ warehouse_table('audit', 'incremental_state') }}
        select
            '{{ this.identifier }}',
            '{{ invocation_id }}',
            (select max(file_id) from {{ source('landing_audit', 'ingest_log') }}),
            {{ reprocess_since() or 'null' }},
            {{ "'" ~ var('project_fingerprint') ~ "'" if var('project_fingerprint', none) else 'null' }},
            timezone('UTC', now())
    {%- endif -%}
{%- endmacro %}
