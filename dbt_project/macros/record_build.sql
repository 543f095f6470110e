{#
    The build's identity in the working database (docs/quality.md, "Build identity"): dbt's invocation_id, the
    command, when it ran (UTC), the landing watermark it read (the last file id of audit.ingest_log and the number
    of values in raw.observations) and how it ended.

    on-run-start writes the row as 'running'; on-run-end marks it 'ok' when no node errored or failed, else
    'failed'. A run that is killed never reaches its end and stays 'running': the check and the publication
    then see a working database that no finished build vouches for. Runs that only read (dbt test, docs, parse)
    record nothing, and neither does a run on a database without landing tables (the enterprise roll-up's own
    file).

    The macros run their statements themselves and commit: a hook's rendered SQL would run inside the
    transaction that looking up the landing tables opens, and dbt rolls that back when it releases the
    connection. They render to nothing, so dbt has no hook SQL left to run.
#}

{#- a table of the warehouse's own, outside any model (the landing tables, the build records), named in full: the
    working database is attached under its name (nhtz/db.py, `connect`), so a bare `audit.x` would look in the
    session's default catalog instead -#}
{% macro warehouse_table(schema, identifier) %}
    {{ return(api.Relation.create(database=target.database, schema=schema, identifier=identifier)) }}
{% endmacro %}


{% macro build_identity_is_recorded() %}
    {% if not execute or flags.WHICH not in ('build', 'run', 'seed', 'snapshot') %}
        {{ return(false) }}
    {% endif %}
    {% set observations = adapter.get_relation(database=target.database, schema='raw', identifier='observations') %}
    {% set ingest_log = adapter.get_relation(database=target.database, schema='audit', identifier='ingest_log') %}
    {{ return(observations is not none and ingest_log is not none) }}
{% endmacro %}


{% macro record_build_start() %}
    {% if build_identity_is_recorded() %}
        {%- set build_identity = warehouse_table('audit', 'build_identity') %}
        {% call statement('record_build_start') %}
        create table if not exists {{ build_identity }} (
            invocation_id varchar primary key,
            command varchar not null,
            status varchar not null,
            started_at timestamp not null,
            finished_at timestamp,
            landing_max_file_id integer,
            landing_observations bigint not null,
            failed_nodes integer
        );
        comment on table {{ build_identity }} is
            '构建标识：每次 dbt 构建的调用编号、时间（UTC）、所读入库水位与结果。One row per dbt run that wrote the working database.';
        comment on column {{ build_identity }}.invocation_id is 'dbt 调用编号（构建标识）。dbt invocation_id.';
        comment on column {{ build_identity }}.command is 'dbt 命令（build 等）。The dbt command.';
        comment on column {{ build_identity }}.status is
            '结果：running 进行中（未结束即被中断）、ok 成功、failed 失败。running, ok or failed.';
        comment on column {{ build_identity }}.started_at is '开始时间（UTC）。Started at, UTC.';
        comment on column {{ build_identity }}.finished_at is '结束时间（UTC）。Finished at, UTC.';
        comment on column {{ build_identity }}.landing_max_file_id is
            '构建时入库日志的最大文件编号。Last file id of audit.ingest_log when the build ran.';
        comment on column {{ build_identity }}.landing_observations is
            '构建时 raw.observations 的行数。Values in raw.observations when the build ran.';
        comment on column {{ build_identity }}.failed_nodes is '出错或未通过的节点数。Nodes that errored or failed.';
        {{ incremental_state_ddl() }}
        insert into {{ build_identity }}
        select
            '{{ invocation_id }}',
            '{{ flags.WHICH }}',
            'running',
            timezone('UTC', now()),
            null,
            (select max(file_id) from {{ warehouse_table('audit', 'ingest_log') }}),
            (select count(*) from {{ warehouse_table('raw', 'observations') }}),
            null;
        {% endcall %}
        {% do adapter.commit() %}
    {% endif %}
{% endmacro %}


{% macro record_build(results) %}
    {% if build_identity_is_recorded() %}
        {%- set build_identity = warehouse_table('audit', 'build_identity') %}
        {% set failed = results | selectattr('status', 'in', ['error', 'fail', 'runtime error']) | list %}
        {% call statement('record_build_end') %}
        update {{ build_identity }}
        set
            status = '{{ "failed" if failed else "ok" }}',
            finished_at = timezone('UTC', now()),
            failed_nodes = {{ failed | length }}
        where invocation_id = '{{ invocation_id }}';
        {{ forget_state_of_removed_models() }}
        {% endcall %}
        {% do adapter.commit() %}
    {% endif %}
{% endmacro %}


{#- a model that left the project (or is no longer incremental) keeps no state: its last row would carry an old
    fingerprint for ever, and nhtz.build would plan every later build as a full refresh -#}
{% macro forget_state_of_removed_models() -%}
    {%- set incremental_models = [] -%}
    {%- for node in graph.nodes.values()
        if node.resource_type == 'model' and node.config.materialized == 'incremental' -%}
        {%- do incremental_models.append("'" ~ node.alias ~ "'") -%}
    {%- endfor -%}
    delete from {{ warehouse_table('audit', 'incremental_state') }}
    where model not in ({{ incremental_models | join(', ') if incremental_models else "''" }});
{%- endmacro %}


{#- the incremental park-level models' own state (macros/incremental/reprocessed_quarters.sql): created here, before
    any model runs, because two models' post-hooks creating it at once would conflict -#}
{% macro incremental_state_ddl() -%}
    {%- set incremental_state = warehouse_table('audit', 'incremental_state') -%}
    create table if not exists {{ incremental_state }} (
        model varchar not null,
        invocation_id varchar not null,
        landing_max_file_id integer,
        reprocessed_from integer,
        project_fingerprint varchar,
        recorded_at timestamp not null
    );
    comment on table {{ incremental_state }} is
        '增量模型状态：每个增量模型每次构建一行，记录其已处理到的入库文件编号与项目指纹。One row per incremental model and build: the landing it has processed.';
    comment on column {{ incremental_state }}.model is '增量模型名称。The incremental model.';
    comment on column {{ incremental_state }}.invocation_id is '构建标识（dbt 调用编号）。The build (dbt invocation id).';
    comment on column {{ incremental_state }}.landing_max_file_id is
        '此次构建后该模型已处理到的最大入库文件编号。Last file id of audit.ingest_log the model has processed.';
    comment on column {{ incremental_state }}.reprocessed_from is
        '此次重算的起始季度序号（年×4+季−1）；空值表示全部季度。Quarter index the build recomputed from; null: every quarter.';
    comment on column {{ incremental_state }}.project_fingerprint is
        '项目指纹（模型、宏、种子与版本）；变化时下次构建全量重建。Fingerprint of the project; a change means a full refresh.';
    comment on column {{ incremental_state }}.recorded_at is '记录时间（UTC）。Recorded at, UTC.';
{%- endmacro %}
