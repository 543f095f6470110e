{#
    Every audit finding (审核发现), as parks are asked about them. The evaluator is seed-driven
    (seeds/audit_rules.csv): each rule type is judged in the stage where its inputs are known, so that nothing
    is judged on a value already held out: levels (R01 R02 R03 R09 R10), ratios (R04), then warnings on clean
    values and growth (R05 R06 R07 R08).
    Incremental: the reprocessed quarters' findings replace theirs.
#}
{{ config(**incremental_by_quarter(quarter_index_of_label('quarter'))) }}
{%- set since = reprocess_since() %}

with level_findings as (

    select * from {{ ref('int_findings_on_levels') }}
    where {{ reprocessed(quarter_index_of_label('quarter'), since) }}

),

ratio_findings as (

    select * from {{ ref('int_findings_on_ratios') }}
    where {{ reprocessed(quarter_index_of_label('quarter'), since) }}

),

value_findings as (

    select * from {{ ref('int_findings_on_values') }}
    where {{ reprocessed(quarter_index_of_label('quarter'), since) }}

),

all_findings as (

    select * from level_findings
    union all
    select * from ratio_findings
    union all
    select * from value_findings

),

final as (

    select
        park_id::{{ string_type() }} as park_id,
        quarter::{{ string_type() }} as quarter,
        indicator_code::{{ string_type() }} as indicator_code,
        rule_id::{{ string_type() }} as rule_id,
        severity::{{ string_type() }} as severity,
        message::{{ string_type() }} as message,
        value::double as value,
        {{ quarter_end(
            "cast(substr(quarter, 1, 4) as integer)",
            "cast(substr(quarter, 6, 1) as integer)"
        ) }}::date as quarter_end
    from all_findings

)

select * from final
