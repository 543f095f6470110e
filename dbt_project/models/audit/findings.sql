{#
    The audit-rule evaluator: one CTE per rule type, each driven by the rows of seeds/audit_rules.csv
    (which indicator, which threshold and tolerance, which severity, which message). Adding a rule of an
    existing type is a seed row, not SQL.
#}
{%- set common_fillings = {
    'quarter': 'checked.quarter',
    'indicator': 'checked.name_zh',
    'unit': 'checked.unit',
    'value': message_number('checked.value_ytd'),
    'threshold': message_number('checked.threshold'),
} -%}

with park_quarter_values as (

    select * from {{ ref('int_park_quarter_values') }}

),

audit_rules as (

    select * from {{ ref('audit_rules') }}

),

indicators as (

    select * from {{ ref('indicators') }}

),

dim_park as (

    select * from {{ ref('dim_park') }}

),

labelled_values as (

    select
        park_quarter_values.*,
        indicators.name_zh,
        indicators.unit,
        indicators.can_be_negative
    from park_quarter_values
    inner join indicators
        on park_quarter_values.indicator_code = indicators.indicator_code

),

-- a rule without indicator_code covers every indicator of the kinds its type can judge
rules_by_indicator as (

    select
        audit_rules.rule_id,
        audit_rules.severity,
        audit_rules.rule_type,
        indicators.indicator_code,
        audit_rules.related_indicator_code,
        audit_rules.threshold,
        coalesce(audit_rules.tolerance, 0) as tolerance,
        audit_rules.min_history,
        audit_rules.message_zh
    from audit_rules
    inner join indicators
        on
            audit_rules.indicator_code = indicators.indicator_code
            or (
                audit_rules.indicator_code is null
                and (
                    (
                        audit_rules.rule_type = 'ytd_decrease'
                        and indicators.kind = 'flow'
                        and not indicators.can_be_negative
                    )
                    or (audit_rules.rule_type in ('flow_unchanged', 'quarter_outlier') and indicators.kind = 'flow')
                    or (audit_rules.rule_type = 'yoy_above' and indicators.kind in ('flow', 'stock'))
                )
            )

),

checked_values as (

    select
        labelled_values.*,
        rules_by_indicator.rule_id,
        rules_by_indicator.severity,
        rules_by_indicator.rule_type,
        rules_by_indicator.related_indicator_code,
        rules_by_indicator.threshold,
        rules_by_indicator.tolerance,
        rules_by_indicator.min_history,
        rules_by_indicator.message_zh
    from labelled_values
    inner join rules_by_indicator
        on labelled_values.indicator_code = rules_by_indicator.indicator_code

),

ytd_decreases as (

    select
        checked.park_id,
        checked.quarter,
        checked.indicator_code,
        checked.rule_id,
        checked.severity,
        {{ fill_message('checked.message_zh', common_fillings, {
            'previous_value': message_number('checked.previous_quarter_value_ytd'),
        }) }} as message,
        checked.value_ytd as value
    from checked_values as checked
    where
        checked.rule_type = 'ytd_decrease'
        and checked.previous_quarter_value_ytd - checked.value_ytd
        > checked.tolerance * abs(checked.previous_quarter_value_ytd)

),

parts_exceeding_wholes as (

    select
        checked.park_id,
        checked.quarter,
        checked.indicator_code,
        checked.rule_id,
        checked.severity,
        {{ fill_message('checked.message_zh', common_fillings, {
            'related_indicator': 'wholes.name_zh',
            'related_value': message_number('wholes.value_ytd'),
            'related_unit': 'wholes.unit',
        }) }} as message,
        checked.value_ytd as value
    from checked_values as checked
    inner join labelled_values as wholes
        on
            checked.park_id = wholes.park_id
            and checked.quarter = wholes.quarter
            and checked.related_indicator_code = wholes.indicator_code
    where
        checked.rule_type = 'part_exceeds_whole'
        and checked.value_ytd - wholes.value_ytd > checked.tolerance * abs(wholes.value_ytd)

),

ratios_above as (

    select
        checked.park_id,
        checked.quarter,
        checked.indicator_code,
        checked.rule_id,
        checked.severity,
        {{ fill_message('checked.message_zh', common_fillings) }} as message,
        checked.value_ytd as value
    from checked_values as checked
    where
        checked.rule_type = 'ratio_above'
        and checked.value_ytd > checked.threshold + checked.tolerance * abs(checked.threshold)

),

growth_above as (

    select
        checked.park_id,
        checked.quarter,
        checked.indicator_code,
        checked.rule_id,
        checked.severity,
        {{ fill_message('checked.message_zh', common_fillings, {
            'yoy': "round(checked.yoy_ytd_pct, 1)",
        }) }} as message,
        checked.value_ytd as value
    from checked_values as checked
    where
        checked.rule_type = 'yoy_above'
        and abs(checked.yoy_ytd_pct) > coalesce(checked.threshold, 30)

),

-- the park's own history of single-quarter growth: year-on-year change removes both the season (Q4 is always
-- the largest quarter) and the trend, so a quarter is judged against the park's earlier quarters on equal terms
quarter_histories as (

    select
        *,
        avg(yoy_q_pct) over earlier_quarters as history_mean,
        stddev_samp(yoy_q_pct) over earlier_quarters as history_sd,
        count(yoy_q_pct) over earlier_quarters as history_n
    from checked_values
    where rule_type = 'quarter_outlier'
    window earlier_quarters as (
        partition by park_id, indicator_code, rule_id
        order by year, quarter_num
        rows between unbounded preceding and 1 preceding
    )

),

quarter_outliers as (

    select
        checked.park_id,
        checked.quarter,
        checked.indicator_code,
        checked.rule_id,
        checked.severity,
        {{ fill_message('checked.message_zh', common_fillings, {
            'value': message_number('checked.value_q'),
            'yoy_q': 'round(checked.yoy_q_pct, 1)',
            'mean': 'round(checked.history_mean, 1)',
            'history_n': 'checked.history_n',
            'z': 'round(abs(checked.yoy_q_pct - checked.history_mean) / checked.history_sd, 1)',
        }) }} as message,
        checked.value_q as value
    from quarter_histories as checked
    where
        checked.yoy_q_pct is not null
        and checked.history_n >= coalesce(checked.min_history, 4)
        -- growth rates of exact multiples carry floating noise: a spread below 1e-6 points is no spread
        and checked.history_sd > 1e-6
        and abs(checked.yoy_q_pct - checked.history_mean) / checked.history_sd > coalesce(checked.threshold, 3)

),

unchanged_flows as (

    select
        checked.park_id,
        checked.quarter,
        checked.indicator_code,
        checked.rule_id,
        checked.severity,
        {{ fill_message('checked.message_zh', common_fillings) }} as message,
        checked.value_ytd as value
    from checked_values as checked
    where
        checked.rule_type = 'flow_unchanged'
        and checked.quarter_num > 1
        and checked.value_ytd <> 0
        and abs(checked.value_ytd - checked.previous_quarter_value_ytd)
        <= checked.tolerance * abs(checked.previous_quarter_value_ytd)

),

reported_quarters as (

    select distinct
        quarter,
        year,
        quarter_num,
        last_day(make_date(year, quarter_num * 3, 1)) as quarter_end_date
    from park_quarter_values

),

reporting_parks as (

    select distinct
        park_id,
        quarter
    from park_quarter_values

),

active_parks as (

    select
        dim_park.park_id,
        dim_park.park_name,
        reported_quarters.quarter
    from dim_park
    inner join reported_quarters
        on
            dim_park.active_from <= reported_quarters.quarter_end_date
            and (dim_park.active_to is null or dim_park.active_to >= reported_quarters.quarter_end_date)

),

missing_submissions as (

    select
        active_parks.park_id,
        active_parks.quarter,
        null::varchar as indicator_code,
        audit_rules.rule_id,
        audit_rules.severity,
        {{ fill_message('audit_rules.message_zh', {
            'park': 'active_parks.park_name',
            'quarter': 'active_parks.quarter',
        }) }} as message,
        null::double as value
    from active_parks
    inner join audit_rules
        on audit_rules.rule_type = 'missing_submission'
    left join reporting_parks
        on
            active_parks.park_id = reporting_parks.park_id
            and active_parks.quarter = reporting_parks.quarter
    where reporting_parks.park_id is null

),

final as (

    select * from ytd_decreases
    union all
    select * from parts_exceeding_wholes
    union all
    select * from ratios_above
    union all
    select * from growth_above
    union all
    select * from quarter_outliers
    union all
    select * from unchanged_flows
    union all
    select * from missing_submissions

)

select * from final
