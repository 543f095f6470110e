-- Park values with their audit status: error (own error finding: held out), derived_from_error (the value is
-- sound but something published beside it would have used a held-out value, so that part is null), warning
-- (kept, needs the park's explanation), ok. Park-level findings (no indicator) judge no single value.
{{ config(**incremental_by_quarter('quarter_index')) }}
{%- set since = reprocess_since() %}

with park_quarter_values as (

    select * from {{ ref('int_park_quarter_values') }}
    where {{ reprocessed('quarter_index', since) }}

),

value_findings as (

    select * from {{ ref('int_findings_on_values') }}
    where {{ reprocessed(quarter_index_of_label('quarter'), since) }}

),

warned_values as (

    select
        park_id,
        quarter,
        indicator_code,
        {{ string_agg_ordered('rule_id', "','", 'rule_id') }} as warning_rule_ids
    from value_findings
    where severity = 'warning' and indicator_code is not null
    group by park_id, quarter, indicator_code

),

final as (

    select
        park_quarter_values.park_id,
        park_quarter_values.quarter,
        park_quarter_values.year,
        park_quarter_values.quarter_num,
        park_quarter_values.quarter_index,
        park_quarter_values.quarter_end,
        park_quarter_values.indicator_code,
        park_quarter_values.kind,
        park_quarter_values.value_ytd,
        park_quarter_values.value_q,
        park_quarter_values.previous_quarter_value_ytd,
        park_quarter_values.last_year_value_ytd,
        park_quarter_values.last_year_value_q,
        park_quarter_values.two_years_ago_value_ytd,
        park_quarter_values.yoy_ytd_pct,
        park_quarter_values.yoy_q_pct,
        park_quarter_values.yoy_ytd_pp,
        park_quarter_values.two_year_avg_growth_pct,
        park_quarter_values.price_basis,
        park_quarter_values.numerator_code,
        park_quarter_values.denominator_code,
        park_quarter_values.numerator_ytd,
        park_quarter_values.denominator_ytd,
        park_quarter_values.multiplier,
        park_quarter_values.revision_count,
        park_quarter_values.is_error,
        park_quarter_values.is_usable,
        park_quarter_values.is_derived_from_error,
        park_quarter_values.held_out_note,
        case
            when park_quarter_values.is_error then 'error'
            when park_quarter_values.is_derived_from_error then 'derived_from_error'
            when warned_values.park_id is not null then 'warning'
            else 'ok'
        end as quality_status,
        nullif(concat_ws(
            '；',
            park_quarter_values.held_out_note,
            case when warned_values.park_id is not null then '审核提示（' || warned_values.warning_rule_ids || '）待园区说明' end
        ), '') as quality_note
    from park_quarter_values
    left join warned_values
        on
            park_quarter_values.park_id = warned_values.park_id
            and park_quarter_values.quarter = warned_values.quarter
            and park_quarter_values.indicator_code = warned_values.indicator_code

)

select * from final
