{#
    Contracts name DuckDB's types (`data_type: varchar`). dbt checks a contract by casting null to each declared
    type (dbt's `cast` macro), and Spark refuses a varchar without a length: on Spark the contract's varchar is
    checked as Spark's string, every other type as written. This overrides dbt's own `cast` on Spark only.
#}
{% macro spark__cast(field, type) -%}
    cast({{ field }} as {{ 'string' if type | trim | lower == 'varchar' else type }})
{%- endmacro %}
