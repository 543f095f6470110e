{#
    Where the enterprise reports are read from (docs/scaling.md). DuckDB reads the Parquet files of the var
    enterprise_source in place, the folders' quarter=YYYYQn as a column. An engine without a file reader in FROM
    (Spark) reads the source table enterprise.quarterly_reports: the same folders declared as a table partitioned
    by quarter (models/enterprise/__sources.yml), so a filter on quarter prunes them the same way.
#}
{% macro enterprise_reports_source() -%}
    {{ return(adapter.dispatch('enterprise_reports_source', 'nhtz')()) }}
{%- endmacro %}

{% macro duckdb__enterprise_reports_source() -%}
    read_parquet('{{ var("enterprise_source", "") }}', hive_partitioning = true)
{%- endmacro %}

{% macro default__enterprise_reports_source() -%}
    {{ source('enterprise', 'quarterly_reports') }}
{%- endmacro %}
