{{ aggregate_park_quarters() }},

final as (

    select
        quarter::varchar as quarter,
        indicator_code::varchar as indicator_code,
        value_ytd::double as value_ytd,
        value_q::double as value_q,
        n_parks::integer as n_parks,
        yoy_ytd_pct::double as yoy_ytd_pct,
        yoy_ytd_pct_lfl::double as yoy_ytd_pct_lfl,
        n_parks_lfl::integer as n_parks_lfl,
        n_parks_growing::integer as n_parks_growing,
        year::integer as year,
        quarter_num::integer as quarter_num,
        kind::varchar as kind,
        n_parks_q::integer as n_parks_q,
        last_year_value_ytd::double as last_year_value_ytd,
        lfl_last_year_value_ytd::double as lfl_last_year_value_ytd
    from aggregated

)

select * from final
