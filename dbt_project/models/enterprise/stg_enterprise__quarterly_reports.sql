{#- Enabled only when a run passes --vars '{"enterprise_source": "<parquet glob>"}' (docs/scaling.md). -#}
{{
    config(
        enabled=var('enterprise_source', none) is not none,
        materialized='view',
        schema='staging',
    )
}}

with source as (

    -- the folder's quarter=YYYYQn is a column: filters on it skip whole files (macros/portable: the Parquet glob
    -- read in place on DuckDB, a table partitioned by quarter on Spark)
    select * from {{ enterprise_reports_source() }}

),

renamed as (

    select
        quarter::{{ string_type() }} as quarter,
        year::integer as period_year,
        quarter_num::integer as quarter_num,
        period_month::integer as period_month,
        enterprise_id::{{ string_type() }} as enterprise_id,
        park_id::{{ string_type() }} as park_id,
        industry::{{ string_type() }} as industry,
        industry_name::{{ string_type() }} as industry_name,
        founded_year::integer as founded_year,
        revenue::double as revenue,
        industrial_output::double as industrial_output,
        industrial_value_added::double as industrial_value_added,
        net_profit::double as net_profit,
        taxes_paid::double as taxes_paid,
        exports::double as exports,
        rd_expenditure::double as rd_expenditure,
        tech_contract_turnover::double as tech_contract_turnover,
        energy_consumption::double as energy_consumption,
        invention_patents_granted::bigint as invention_patents_granted,
        employees::bigint as employees,
        invention_patents_owned::bigint as invention_patents_owned,
        is_high_tech::boolean as is_high_tech,
        is_tech_sme::boolean as is_tech_sme,
        is_gazelle::boolean as is_gazelle,
        is_unicorn::boolean as is_unicorn
    from source

)

select * from renamed
