{#-
    Park totals from enterprise reports, in the shape of submitted values (one row per park, period, indicator).
    Incremental by quarter: a run re-reads only quarters at or after the latest one already built (so a revised
    latest quarter is rebuilt too) and replaces those rows: on DuckDB delete+insert on the grain, on Spark (which has
    no delete+insert) insert_overwrite of the re-read quarters' partitions; --full-refresh rebuilds all.
-#}
{{
    config(
        enabled=var('enterprise_source', none) is not none,
        materialized='incremental',
        incremental_strategy='delete+insert' if target.type == 'duckdb' else 'insert_overwrite',
        unique_key=['park_id', 'period_year', 'period_month', 'indicator_code'],
        partition_by=none if target.type == 'duckdb' else ['period_year', 'period_month'],
        schema='intermediate',
    )
}}

{%- set since_quarter = none -%}
{%- if is_incremental() and execute -%}
    {#- a literal, not a subquery, so that DuckDB prunes the quarter=... folders before reading them -#}
    {%- set latest_built -%}
        select max({{ quarter_label('period_year', integer_divide('period_month', 3)) }}) from {{ this }}
    {%- endset -%}
    {%- set since_quarter = run_query(latest_built).columns[0].values()[0] -%}
{%- endif %}

with enterprise_reports as (

    select * from {{ ref('stg_enterprise__quarterly_reports') }}
    {%- if since_quarter %}
    where quarter >= '{{ since_quarter }}'
    {%- endif %}

),

unit_conversions as (

    select * from {{ ref('unit_conversions') }}

),

-- the unit each enterprise figure is reported in (the survey form's unit)
reported_units as (

    select
        reported.indicator_code,
        reported.reported_unit
    from (
        values
        ('revenue', '万元'),
        ('industrial_output', '万元'),
        ('industrial_value_added', '万元'),
        ('net_profit', '万元'),
        ('taxes_paid', '万元'),
        ('exports', '万元'),
        ('rd_expenditure', '万元'),
        ('tech_contract_turnover', '万元'),
        ('energy_consumption', '吨标准煤'),
        ('invention_patents_granted', '件'),
        ('invention_patents_owned', '件'),
        ('employees', '人'),
        ('high_tech_enterprises', '家'),
        ('tech_smes', '家'),
        ('gazelle_enterprises', '家'),
        ('unicorn_enterprises', '家')
    ) as reported (indicator_code, reported_unit)

),

-- aggregate wide first (one pass over the enterprise rows), unpivot the small result afterwards
park_totals as (

    select
        park_id,
        period_year,
        period_month,
        count(*) as n_enterprises,
        {{ stable_sum('revenue') }} as revenue,
        {{ stable_sum('industrial_output') }} as industrial_output,
        {{ stable_sum('industrial_value_added') }} as industrial_value_added,
        {{ stable_sum('net_profit') }} as net_profit,
        {{ stable_sum('taxes_paid') }} as taxes_paid,
        {{ stable_sum('exports') }} as exports,
        {{ stable_sum('rd_expenditure') }} as rd_expenditure,
        {{ stable_sum('tech_contract_turnover') }} as tech_contract_turnover,
        {{ stable_sum('energy_consumption') }} as energy_consumption,
        sum(invention_patents_granted)::double as invention_patents_granted,
        sum(invention_patents_owned)::double as invention_patents_owned,
        sum(employees)::double as employees,
        count(*) filter (where is_high_tech)::double as high_tech_enterprises,
        count(*) filter (where is_tech_sme)::double as tech_smes,
        count(*) filter (where is_gazelle)::double as gazelle_enterprises,
        count(*) filter (where is_unicorn)::double as unicorn_enterprises
    from enterprise_reports
    group by park_id, period_year, period_month

),

-- the standard unpivot, which DuckDB and Spark both accept (DuckDB's own `unpivot ... on ... into` Spark does not)
park_values_reported as (

    select
        park_id,
        period_year,
        period_month,
        n_enterprises,
        indicator_code,
        reported_value
    from park_totals
    unpivot (
        reported_value for indicator_code in (
            revenue,
            industrial_output,
            industrial_value_added,
            net_profit,
            taxes_paid,
            exports,
            rd_expenditure,
            tech_contract_turnover,
            energy_consumption,
            invention_patents_granted,
            invention_patents_owned,
            employees,
            high_tech_enterprises,
            tech_smes,
            gazelle_enterprises,
            unicorn_enterprises
        )
    )

),

final as (

    select
        park_values_reported.park_id,
        park_values_reported.period_year,
        park_values_reported.period_month,
        park_values_reported.indicator_code,
        -- rounded to 1 元 in 亿元 so that float noise of the factor (0.0001) never shows as a difference
        round(park_values_reported.reported_value * unit_conversions.factor, 8) as value,
        unit_conversions.mart_unit as unit,
        park_values_reported.n_enterprises
    from park_values_reported
    inner join reported_units
        on park_values_reported.indicator_code = reported_units.indicator_code
    inner join unit_conversions
        on reported_units.reported_unit = unit_conversions.unit

)

select * from final
