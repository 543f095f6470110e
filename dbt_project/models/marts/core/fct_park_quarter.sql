with checked_values as (

    select * from {{ ref('int_park_quarter_checked') }}

),

final as (

    select
        park_id::varchar as park_id,
        quarter::varchar as quarter,
        year::integer as year,
        quarter_num::integer as quarter_num,
        indicator_code::varchar as indicator_code,
        value_ytd::double as value_ytd,
        value_q::double as value_q,
        yoy_ytd_pct::double as yoy_ytd_pct,
        yoy_q_pct::double as yoy_q_pct,
        price_basis::varchar as price_basis,
        revision_count::integer as revision_count,
        quality_status::varchar as quality_status
    from checked_values

)

select * from final
