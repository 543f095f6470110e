-- one row per quarter from the first national zone (1988) to 2050: the semantic layer's time spine
with quarter_starts as (

    select unnest(generate_series(date '1988-01-01', date '2050-10-01', interval 3 month))::date as quarter_start

),

final as (

    select
        quarter_start,
        {{ quarter_label('year(quarter_start)', 'quarter(quarter_start)') }} as quarter,
        year(quarter_start)::integer as year,
        quarter(quarter_start)::integer as quarter_num,
        last_day(quarter_start + interval 2 month)::date as quarter_end
    from quarter_starts

)

select * from final
