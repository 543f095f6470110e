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
        park_quarter_values.*,
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
        own_status.*,
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
