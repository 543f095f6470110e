with indicators as (

    select * from {{ ref('indicators') }}

),

evaluation_dimensions as (

    select * from {{ ref('evaluation_dimensions') }}

),

final as (

    select
        indicators.indicator_code::{{ string_type() }} as indicator_code,
        indicators.name_zh::{{ string_type() }} as name_zh,
        indicators.name_en::{{ string_type() }} as name_en,
        indicators.unit::{{ string_type() }} as unit,
        indicators.kind::{{ string_type() }} as kind,
        indicators.direction::integer as direction,
        indicators.dimension::{{ string_type() }} as dimension,
        evaluation_dimensions.name_zh::{{ string_type() }} as dimension_name_zh,
        indicators.numerator::{{ string_type() }} as numerator,
        indicators.denominator::{{ string_type() }} as denominator,
        indicators.multiplier::double as multiplier,
        indicators.sort_order::integer as sort_order
    from indicators
    left join evaluation_dimensions
        on indicators.dimension = evaluation_dimensions.dimension

)

select * from final
