{{ aggregate_park_quarters(['region', 'province']) }},

final as (

    select
        {{ aggregate_mart_columns(['region', 'province']) }}
    from aggregated

)

select * from final
