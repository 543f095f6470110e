{{ aggregate_park_quarters(['region']) }},

final as (

    select
        {{ aggregate_mart_columns(['region']) }}
    from aggregated

)

select * from final
