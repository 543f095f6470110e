{{ aggregate_park_quarters([]) }},

final as (

    select
        {{ aggregate_mart_columns([]) }}
    from aggregated

)

select * from final
