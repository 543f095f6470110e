with park_quarter_values as (

    select * from {{ ref('int_park_quarter_values') }}

),

findings as (

    select * from {{ ref('findings') }}

),

-- the worst finding on each value; park-level findings (no indicator) judge no single value
worst_findings as (

    select
        park_id,
        quarter,
        indicator_code,
        max(case severity when 'error' then 2 when 'warning' then 1 else 0 end) as severity_level
    from findings
    where indicator_code is not null
    group by park_id, quarter, indicator_code

),

own_status as (

    select
        park_quarter_values.park_id,
        park_quarter_values.quarter,
        park_quarter_values.year,
        park_quarter_values.quarter_num,
        park_quarter_values.indicator_code,
        park_quarter_values.kind,
        park_quarter_values.value_ytd,
        park_quarter_values.value_q,
        park_quarter_values.previous_quarter_value_ytd,
        park_quarter_values.last_year_value_ytd,
        park_quarter_values.last_year_value_q,
        park_quarter_values.yoy_ytd_pct,
        park_quarter_values.yoy_q_pct,
        park_quarter_values.price_basis,
        park_quarter_values.numerator_code,
        park_quarter_values.denominator_code,
        park_quarter_values.numerator_ytd,
        park_quarter_values.denominator_ytd,
        park_quarter_values.multiplier,
        park_quarter_values.revision_count,
        coalesce(worst_findings.severity_level, 0) as own_severity_level
    from park_quarter_values
    left join worst_findings
        on
            park_quarter_values.park_id = worst_findings.park_id
            and park_quarter_values.quarter = worst_findings.quarter
            and park_quarter_values.indicator_code = worst_findings.indicator_code

),

-- a ratio built on a component in error is in error too
final as (

    select
        own_status.park_id,
        own_status.quarter,
        own_status.year,
        own_status.quarter_num,
        own_status.indicator_code,
        own_status.kind,
        own_status.value_ytd,
        own_status.value_q,
        own_status.previous_quarter_value_ytd,
        own_status.last_year_value_ytd,
        own_status.last_year_value_q,
        own_status.yoy_ytd_pct,
        own_status.yoy_q_pct,
        own_status.price_basis,
        own_status.numerator_code,
        own_status.denominator_code,
        own_status.numerator_ytd,
        own_status.denominator_ytd,
        own_status.multiplier,
        own_status.revision_count,
        own_status.own_severity_level,
        case
            when
                own_status.own_severity_level = 2
                or coalesce(numerators.own_severity_level, 0) = 2
                or coalesce(denominators.own_severity_level, 0) = 2
                then 'error'
            when own_status.own_severity_level = 1 then 'warning'
            else 'ok'
        end as quality_status
    from own_status
    left join own_status as numerators
        on
            own_status.park_id = numerators.park_id
            and own_status.quarter = numerators.quarter
            and own_status.numerator_code = numerators.indicator_code
    left join own_status as denominators
        on
            own_status.park_id = denominators.park_id
            and own_status.quarter = denominators.quarter
            and own_status.denominator_code = denominators.indicator_code

)

select * from final
