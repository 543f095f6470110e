with indicators as (

    select * from {{ ref('indicators') }}

),

evaluation_dimensions as (

    select * from {{ ref('evaluation_dimensions') }}

),

final as (

    select
        indicators.indicator_code::varchar as indicator_code,
        indicators.name_zh::varchar as name_zh,
        indicators.name_en::varchar as name_en,
        indicators.unit::varchar as unit,
        indicators.kind::varchar as kind,
        indicators.direction::integer as direction,
        indicators.dimension::varchar as dimension,
        evaluation_dimensions.name_zh::varchar as dimension_name_zh,
        indicators.numerator::varchar as numerator,
        indicators.denominator::varchar as denominator,
        indicators.multiplier::double as multiplier,
        indicators.sort_order::integer as sort_order
    from indicators
    left join evaluation_dimensions
        on indicators.dimension = evaluation_dimensions.dimension

)

select * from final
