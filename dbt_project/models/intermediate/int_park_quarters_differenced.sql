with park_months as (

    select * from {{ ref('int_park_months_current') }}

),

-- only the quarter-end months enter the quarterly analysis
quarter_ends as (

    select
        park_id,
        year,
        month // 3 as quarter_num,
        period as quarter,
        indicator_code,
        kind,
        value_ytd,
        revision_count
    from park_months
    where month % 3 = 0

),

final as (

    select
        quarter_ends.park_id,
        quarter_ends.quarter,
        quarter_ends.year,
        quarter_ends.quarter_num,
        quarter_ends.indicator_code,
        quarter_ends.kind,
        quarter_ends.value_ytd,
        previous_quarter.value_ytd as previous_quarter_value_ytd,
        -- the single quarter of a flow; when the earlier year-to-date is missing it stays null, never guessed
        case
            when quarter_ends.kind <> 'flow' then null
            when quarter_ends.quarter_num = 1 then quarter_ends.value_ytd
            else quarter_ends.value_ytd - previous_quarter.value_ytd
        end as value_q,
        quarter_ends.revision_count
    from quarter_ends
    left join quarter_ends as previous_quarter
        on
            quarter_ends.park_id = previous_quarter.park_id
            and quarter_ends.indicator_code = previous_quarter.indicator_code
            and quarter_ends.year = previous_quarter.year
            and quarter_ends.quarter_num = previous_quarter.quarter_num + 1

)

select * from final
