-- Park values with their audit status: error (own error finding: held out), derived_from_error (the value is
-- sound but something published beside it would have used a held-out value, so that part is null), warning
-- (kept, needs the park's explanation), ok. Park-level findings (no indicator) judge no single value.
with park_quarter_values as (

    select * from {{ ref('int_park_quarter_values') }}

),

value_findings as (

    select * from {{ ref('int_findings_on_values') }}

),

warned_values as (

    select
        park_id,
        quarter,
        indicator_code,
        string_agg(rule_id, ',' order by rule_id) as warning_rule_ids
    from value_findings
    where severity = 'warning' and indicator_code is not null
    group by park_id, quarter, indicator_code

),

final as (

    select
        park_quarter_values.*,
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
