{#
    Every park value of a quarter with what is derived from it: the single quarter of a flow, growth on last
    year (as the current value and as the base), the change of a ratio in percentage points and, for 2021, the
    two-year average growth against 2019. A value held out as an error (level or ratio rules) is never arithmetic:
    whatever would use it is null, and the row says so (is_derived_from_error, held_out_note).
    Incremental: the reprocessed quarters are derived, reading back as far as their bases (nine quarters: the
    previous quarter of two years ago's base).
#}
{{ config(**incremental_by_quarter('quarter_index')) }}
{%- set since = reprocess_since() %}

with park_quarter_levels as (

    select * from {{ ref('int_park_quarter_levels_checked') }}
    where {{ reprocessed('quarter_index', since, looking_back=9) }}

),

park_quarter_ratios as (

    select * from {{ ref('int_park_quarter_ratios') }}
    where {{ reprocessed('quarter_index', since, looking_back=9) }}

),

ratio_errors as (

    {{ error_rule_ids(ref('int_findings_on_ratios')) }}

),

levels_with_single_quarters as (

    select
        this_quarter.park_id,
        this_quarter.quarter,
        this_quarter.year,
        this_quarter.quarter_num,
        this_quarter.quarter_index,
        this_quarter.indicator_code,
        this_quarter.kind,
        this_quarter.value_ytd,
        -- the single quarter of a flow; when the earlier year-to-date is missing it stays null, never guessed
        case
            when this_quarter.kind <> 'flow' or this_quarter.is_error then null
            when this_quarter.quarter_num = 1 then this_quarter.value_ytd
            when not previous_quarter.is_error then this_quarter.value_ytd - previous_quarter.value_ytd
        end as value_q,
        case when not coalesce(previous_quarter.is_error, false) then previous_quarter.value_ytd end
            as previous_quarter_value_ytd,
        null as numerator_code,
        null as denominator_code,
        cast(null as double) as numerator_ytd,
        cast(null as double) as denominator_ytd,
        cast(null as double) as multiplier,
        this_quarter.revision_count,
        this_quarter.is_error,
        this_quarter.error_rule_ids,
        false as is_value_from_error,
        coalesce(
            this_quarter.kind = 'flow'
            and not this_quarter.is_error
            and this_quarter.quarter_num > 1
            and previous_quarter.is_error,
            false
        ) as is_value_q_from_error
    from park_quarter_levels as this_quarter
    left join park_quarter_levels as previous_quarter
        on
            this_quarter.park_id = previous_quarter.park_id
            and this_quarter.indicator_code = previous_quarter.indicator_code
            and this_quarter.year = previous_quarter.year
            and this_quarter.quarter_num = previous_quarter.quarter_num + 1

),

ratios_checked as (

    select
        park_quarter_ratios.park_id,
        park_quarter_ratios.quarter,
        park_quarter_ratios.year,
        park_quarter_ratios.quarter_num,
        park_quarter_ratios.quarter_index,
        park_quarter_ratios.indicator_code,
        park_quarter_ratios.kind,
        park_quarter_ratios.value_ytd,
        cast(null as double) as value_q,
        cast(null as double) as previous_quarter_value_ytd,
        park_quarter_ratios.numerator_code,
        park_quarter_ratios.denominator_code,
        park_quarter_ratios.numerator_ytd,
        park_quarter_ratios.denominator_ytd,
        park_quarter_ratios.multiplier,
        park_quarter_ratios.revision_count,
        ratio_errors.park_id is not null as is_error,
        ratio_errors.error_rule_ids,
        park_quarter_ratios.has_component_in_error as is_value_from_error,
        false as is_value_q_from_error
    from park_quarter_ratios
    left join ratio_errors
        on
            park_quarter_ratios.park_id = ratio_errors.park_id
            and park_quarter_ratios.quarter = ratio_errors.quarter
            and park_quarter_ratios.indicator_code = ratio_errors.indicator_code

),

all_values as (

    select
        *,
        value_ytd is not null and not is_error as is_usable
    from (
        select * from levels_with_single_quarters
        union all
        select * from ratios_checked
    ) as unioned

),

with_bases as (

    select
        this_year.*,
        last_year.park_id is not null as has_last_year,
        last_year.is_usable as last_year_is_usable,
        case when last_year.is_usable then last_year.value_ytd end as last_year_value_ytd,
        last_year.value_q as last_year_value_q,
        coalesce(last_year.is_value_q_from_error, false) as last_year_value_q_is_from_error,
        case when two_years_ago.is_usable then two_years_ago.value_ytd end as two_years_ago_value_ytd
    from all_values as this_year
    left join all_values as last_year
        on
            this_year.park_id = last_year.park_id
            and this_year.indicator_code = last_year.indicator_code
            and this_year.quarter_index - 4 = last_year.quarter_index
    left join all_values as two_years_ago
        on
            this_year.park_id = two_years_ago.park_id
            and this_year.indicator_code = two_years_ago.indicator_code
            and this_year.quarter_index - 8 = two_years_ago.quarter_index
            and this_year.year = 2021
    where {{ reprocessed('this_year.quarter_index', since) }}

),

derived as (

    select
        *,
        -- growth at current prices; a ratio's growth is the relative change of the ratio itself
        case when is_usable then {{ growth_pct('value_ytd', 'last_year_value_ytd') }} end as yoy_ytd_pct,
        {{ growth_pct('value_q', 'last_year_value_q') }} as yoy_q_pct,
        case when kind = 'ratio' and is_usable then value_ytd - last_year_value_ytd end as yoy_ytd_pp,
        -- 两年平均增长 (2021 bulletins, past the 2020 base): geometric mean of two years' growth against 2019
        case
            when is_usable and kind <> 'ratio' and two_years_ago_value_ytd > 0 and value_ytd >= 0
                then (sqrt(value_ytd / two_years_ago_value_ytd) - 1) * 100
        end as two_year_avg_growth_pct,
        coalesce(is_usable and has_last_year and not last_year_is_usable, false) as is_growth_from_error,
        coalesce(
            value_q is not null
            and has_last_year
            and last_year_value_q is null
            and (not last_year_is_usable or last_year_value_q_is_from_error),
            false
        ) as is_q_growth_from_error
    from with_bases

),

final as (

    select
        park_id,
        quarter,
        year,
        quarter_num,
        quarter_index,
        {{ quarter_end('year', 'quarter_num') }} as quarter_end,
        indicator_code,
        kind,
        value_ytd,
        value_q,
        previous_quarter_value_ytd,
        last_year_value_ytd,
        last_year_value_q,
        two_years_ago_value_ytd,
        yoy_ytd_pct,
        yoy_q_pct,
        yoy_ytd_pp,
        two_year_avg_growth_pct,
        'nominal' as price_basis,
        numerator_code,
        denominator_code,
        numerator_ytd,
        denominator_ytd,
        multiplier,
        revision_count,
        is_error,
        is_usable,
        is_value_from_error or is_value_q_from_error or is_growth_from_error or is_q_growth_from_error
            as is_derived_from_error,
        nullif(concat_ws(
            '；',
            case when is_error then '本值审核错误（' || error_rule_ids || '），不进入任何汇总' end,
            case when is_value_from_error then '分子或分母审核错误，比率不计算' end,
            case when is_value_q_from_error then '上季累计值审核错误，单季值不计算' end,
            case when is_growth_from_error then '上年同期值审核错误或不可得，同比不计算' end,
            case when is_q_growth_from_error then '上年同期单季值源于审核错误，单季同比不计算' end
        ), '') as held_out_note
    from derived

)

select * from final
