{#
    The warning rules, judged on values and growth rates that no error went into (seeds/audit_rules.csv):
    yoy_above (R05) against the quarter's national like-for-like growth, quarter_outlier (R06) against the park's
    own history of single-quarter growth (rates derived from errors are null, so they never widen that history),
    flow_unchanged (R07) and missing_submission (R08).
    Incremental: the reprocessed quarters are judged; R06 reads the whole history before them.
#}
{{ config(**incremental_by_quarter(quarter_index_of_label('quarter'))) }}
{%- set since = reprocess_since() %}

with park_quarter_values as (

    select * from {{ ref('int_park_quarter_values') }}

),

growth_panel as (

    select * from {{ ref('int_park_quarter_growth_panel') }}
    where {{ reprocessed(quarter_index('year', 'quarter_num'), since) }}

),

park_quarter_coverage as (

    select * from {{ ref('int_park_quarter_coverage') }}
    where {{ reprocessed(quarter_index('year', 'quarter_num'), since) }}

),

park_registry as (

    select * from {{ ref('int_park_registry') }}

),

audit_rules as (

    select * from {{ ref('audit_rules') }}

),

rules_by_indicator as (

    {{ audit_rules_by_indicator(['yoy_above', 'quarter_outlier', 'flow_unchanged']) }}

),

-- the quarter's like-for-like growth over all parks, the yardstick of R05 (flows and stocks add up)
national_like_for_like_growth as (

    select
        quarter,
        indicator_code,
        {{ growth_pct(stable_sum('value_ytd'), stable_sum('last_year_value_ytd')) }} as yoy_ytd_pct_lfl
    from growth_panel
    where is_like_for_like and kind in ('flow', 'stock')
    group by quarter, indicator_code

),

checked_values as (

    select
        park_quarter_values.*,
        national_like_for_like_growth.yoy_ytd_pct_lfl as national_yoy_ytd_pct_lfl,
        {{ rule_columns() }}
    from park_quarter_values
    inner join rules_by_indicator
        on park_quarter_values.indicator_code = rules_by_indicator.indicator_code
    left join national_like_for_like_growth
        on
            park_quarter_values.quarter = national_like_for_like_growth.quarter
            and park_quarter_values.indicator_code = national_like_for_like_growth.indicator_code
    where
        park_quarter_values.is_usable
        -- the outlier rule's history reaches back before the reprocessed quarters
        and (
            rules_by_indicator.rule_type = 'quarter_outlier'
            or {{ reprocessed('park_quarter_values.quarter_index', since) }}
        )

),

growth_above as (

    select
        checked.park_id,
        checked.quarter,
        checked.indicator_code,
        checked.rule_id,
        checked.severity,
        {{ fill_message('checked.message_zh', common_message_fillings(), {
            'yoy': number_text('round(checked.yoy_ytd_pct, 1)'),
            'national_yoy': number_text('round(coalesce(checked.national_yoy_ytd_pct_lfl, 0), 1)'),
        }) }} as message,
        checked.value_ytd as value
    from checked_values as checked
    where
        checked.rule_type = 'yoy_above'
        and abs(checked.yoy_ytd_pct - coalesce(checked.national_yoy_ytd_pct_lfl, 0))
        > coalesce(checked.threshold, 30) + checked.tolerance

),

-- the park's own history of single-quarter growth: year-on-year change removes both the season (Q4 is always
-- the largest quarter) and the trend, so a quarter is judged against the park's earlier quarters on equal terms.
-- The window sorts the whole history, so it carries the grain and the growth rate only: the rule's and the
-- value's other columns (message template, names, thresholds) are joined back to the judged quarters' rows, which
-- are all its readers use (a third less time in the window on the demo set, the same numbers)
quarter_histories as (

    select
        park_id,
        indicator_code,
        rule_id,
        quarter_index,
        avg(yoy_q_pct) over earlier_quarters as history_mean,
        stddev_samp(yoy_q_pct) over earlier_quarters as history_sd,
        count(yoy_q_pct) over earlier_quarters as history_n
    from checked_values
    where rule_type = 'quarter_outlier'
    window earlier_quarters as (
        partition by park_id, indicator_code, rule_id
        order by quarter_index
        rows between unbounded preceding and 1 preceding
    )

),

judged_quarters as (

    select
        checked_values.*,
        quarter_histories.history_mean,
        quarter_histories.history_sd,
        quarter_histories.history_n
    from checked_values
    inner join quarter_histories
        on
            checked_values.park_id = quarter_histories.park_id
            and checked_values.indicator_code = quarter_histories.indicator_code
            and checked_values.rule_id = quarter_histories.rule_id
            and checked_values.quarter_index = quarter_histories.quarter_index
    where
        checked_values.rule_type = 'quarter_outlier'
        and {{ reprocessed('checked_values.quarter_index', since) }}

),

quarter_outliers as (

    select
        checked.park_id,
        checked.quarter,
        checked.indicator_code,
        checked.rule_id,
        checked.severity,
        {{ fill_message('checked.message_zh', common_message_fillings(), {
            'value': message_number('checked.value_q'),
            'yoy_q': number_text('round(checked.yoy_q_pct, 1)'),
            'mean': number_text('round(checked.history_mean, 1)'),
            'history_n': 'checked.history_n',
            'z': number_text('round(abs(checked.yoy_q_pct - checked.history_mean) / checked.history_sd, 1)'),
        }) }} as message,
        checked.value_q as value
    from judged_quarters as checked
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
        {{ fill_message('checked.message_zh', common_message_fillings()) }} as message,
        checked.value_ytd as value
    from checked_values as checked
    where
        checked.rule_type = 'flow_unchanged'
        and checked.quarter_num > 1
        and checked.value_ytd <> 0
        and abs(checked.value_ytd - checked.previous_quarter_value_ytd)
        <= checked.tolerance * abs(checked.previous_quarter_value_ytd)

),

missing_submissions as (

    select
        park_quarter_coverage.park_id,
        park_quarter_coverage.quarter,
        cast(null as {{ string_type() }}) as indicator_code,
        audit_rules.rule_id,
        audit_rules.severity,
        {{ fill_message('audit_rules.message_zh', {
            'park': 'park_registry.park_name',
            'quarter': 'park_quarter_coverage.quarter',
        }) }} as message,
        cast(null as double) as value
    from park_quarter_coverage
    inner join park_registry
        on park_quarter_coverage.park_id = park_registry.park_id
    inner join audit_rules
        on audit_rules.rule_type = 'missing_submission'
    where park_quarter_coverage.is_active and not park_quarter_coverage.has_submitted

),

final as (

    select * from growth_above
    union all
    select * from quarter_outliers
    union all
    select * from unchanged_flows
    union all
    select * from missing_submissions

)

select * from final
