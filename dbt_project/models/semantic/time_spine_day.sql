-- dbt requires a time spine at day grain or finer beside the quarter one that the metrics use
with days as (

    select unnest(generate_series(date '1988-01-01', date '2050-12-31', interval 1 day))::date as date_day

),

final as (

    select date_day
    from days

)

select * from final
