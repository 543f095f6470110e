{#
    Totals of the usable park values (int_park_quarter_growth_panel) per quarter and indicator, optionally per
    `group_columns` (region, province), as the CTE `aggregated`. One definition for national, regional and provincial marts:
    - flows and stocks: Σ value_ytd; ratios: Σ numerator / Σ denominator × multiplier, never an average of ratios;
      every Σ is `stable_sum` (macros/portable/stable_sum.sql): the same total whatever order the parks come in;
    - value_q of flows: Σ of the parks' single-quarter values over the parks that have one (n_parks_q);
    - yoy_ytd_pct: this total against last year's total, each over all parks reporting in its period (an incremental
      build reads last year's totals from the mart itself where it did not recompute them);
    - yoy_ytd_pct_lfl: the same over the like-for-like parks only (usable in both periods), n_parks_lfl of them,
      n_parks_growing of which rose (by more than floating rounding);
    - yoy_q_pct and yoy_q_pct_lfl: the same two ways on single quarters (n_parks_q_lfl parks with one in both years);
    - yoy_ytd_pp: a ratio's change in percentage points; two_year_avg_growth_pct: 2021's two-year average growth.
#}
{% macro aggregate_park_quarters(group_columns=[], since=none) -%}
{#- since: the reprocessed quarter index of an incremental build (macros/incremental/reprocessed_quarters.sql) -#}
{%- set group_list = group_columns | join(', ') ~ (', ' if group_columns else '') -%}

with growth_panel as (

    select * from {{ ref('int_park_quarter_growth_panel') }}
    where {{ reprocessed(quarter_index('year', 'quarter_num'), since) }}

),

totals as (

    select
        {{ group_list }}
        quarter,
        year,
        quarter_num,
        quarter_end,
        indicator_code,
        kind,
        case
            when kind = 'ratio'
                then {{ stable_sum('numerator_ytd') }} / nullif({{ stable_sum('denominator_ytd') }}, 0) * any_value(multiplier)
            else {{ stable_sum('value_ytd') }}
        end as value_ytd,
        case when kind = 'flow' then {{ stable_sum('value_q') }} end as value_q,
        count(*) as n_parks,
        count(value_q) as n_parks_q,
        case
            when kind = 'ratio'
                then
                    {{ stable_sum('numerator_ytd', where='is_like_for_like') }}
                    / nullif({{ stable_sum('denominator_ytd', where='is_like_for_like') }}, 0)
                    * any_value(multiplier)
            else {{ stable_sum('value_ytd', where='is_like_for_like') }}
        end as lfl_value_ytd,
        case
            when kind = 'ratio'
                then
                    {{ stable_sum('last_year_numerator_ytd', where='is_like_for_like') }}
                    / nullif({{ stable_sum('last_year_denominator_ytd', where='is_like_for_like') }}, 0)
                    * any_value(multiplier)
            else {{ stable_sum('last_year_value_ytd', where='is_like_for_like') }}
        end as lfl_last_year_value_ytd,
        count(*) filter (where is_like_for_like) as n_parks_lfl,
        {{ stable_sum('value_q', where='is_like_for_like_q') }} as lfl_value_q,
        {{ stable_sum('last_year_value_q', where='is_like_for_like_q') }} as lfl_last_year_value_q,
        count(*) filter (where is_like_for_like_q) as n_parks_q_lfl,
        -- two-year average growth: over the parks with a usable value in this year and two years before
        {{ stable_sum('value_ytd', where='two_years_ago_value_ytd is not null') }} as two_year_value_ytd,
        {{ stable_sum('two_years_ago_value_ytd') }} as two_years_ago_value_ytd,
        -- a rise smaller than floating rounding (1e-9 of the base) is no rise: 2.2 / 44 and 2.0 / 40 are both 5 %
        count(*) filter (
            where is_like_for_like and value_ytd - last_year_value_ytd > 1e-9 * abs(last_year_value_ytd)
        ) as n_parks_growing
    from growth_panel
    group by {{ group_list }} quarter, year, quarter_num, quarter_end, indicator_code, kind

),

-- last year's totals beside this year's: this build's, and (incremental) the four quarters before the reprocessed
-- ones as the mart holds them, totalled by the build that wrote them
last_year_totals as (
    {%- set totals_columns = group_columns + ['indicator_code', 'year', 'quarter_num', 'value_ytd', 'value_q'] %}

    select {{ totals_columns | join(', ') }}
    from totals

    {%- if since is not none %}

    union all

    select {{ totals_columns | join(', ') }}
    from {{ this }}
    where {{ before_reprocessed(quarter_index('year', 'quarter_num'), since, looking_back=4) }}
    {%- endif %}

),

aggregated as (

    select
        {% for column in group_columns %}this_year.{{ column }}, {% endfor %}
        this_year.quarter,
        this_year.year,
        this_year.quarter_num,
        this_year.indicator_code,
        this_year.kind,
        this_year.value_ytd,
        this_year.value_q,
        this_year.n_parks,
        this_year.n_parks_q,
        last_year.value_ytd as last_year_value_ytd,
        {{ growth_pct('this_year.value_ytd', 'last_year.value_ytd') }} as yoy_ytd_pct,
        {{ growth_pct('this_year.lfl_value_ytd', 'this_year.lfl_last_year_value_ytd') }} as yoy_ytd_pct_lfl,
        this_year.lfl_last_year_value_ytd,
        this_year.n_parks_lfl,
        this_year.n_parks_growing,
        this_year.quarter_end,
        {{ growth_pct('this_year.value_q', 'last_year.value_q') }} as yoy_q_pct,
        {{ growth_pct('this_year.lfl_value_q', 'this_year.lfl_last_year_value_q') }} as yoy_q_pct_lfl,
        this_year.n_parks_q_lfl,
        -- a ratio changes in percentage points: this year's aggregated ratio less last year's
        case when this_year.kind = 'ratio' then this_year.value_ytd - last_year.value_ytd end as yoy_ytd_pp,
        case
            when this_year.kind <> 'ratio' and this_year.two_years_ago_value_ytd > 0 and this_year.two_year_value_ytd >= 0
                then (sqrt(this_year.two_year_value_ytd / this_year.two_years_ago_value_ytd) - 1) * 100
        end as two_year_avg_growth_pct
    from totals as this_year
    left join last_year_totals as last_year
        on
            {% for column in group_columns %}this_year.{{ column }} = last_year.{{ column }} and {% endfor %}
            this_year.indicator_code = last_year.indicator_code
            and this_year.quarter_num = last_year.quarter_num
            and this_year.year = last_year.year + 1

)
{%- endmacro %}


{#
    The typed column list of the national, regional and provincial marts (their contracts compare exact types),
    grouping columns first, from the CTE `aggregated`.
#}
{% macro aggregate_mart_columns(group_columns=[]) -%}
    {%- for column in group_columns %}
        {{ column }}::{{ string_type() }} as {{ column }},
    {%- endfor %}
        quarter::{{ string_type() }} as quarter,
        indicator_code::{{ string_type() }} as indicator_code,
        value_ytd::double as value_ytd,
        value_q::double as value_q,
        n_parks::integer as n_parks,
        yoy_ytd_pct::double as yoy_ytd_pct,
        yoy_ytd_pct_lfl::double as yoy_ytd_pct_lfl,
        n_parks_lfl::integer as n_parks_lfl,
        n_parks_growing::integer as n_parks_growing,
        year::integer as year,
        quarter_num::integer as quarter_num,
        kind::{{ string_type() }} as kind,
        n_parks_q::integer as n_parks_q,
        last_year_value_ytd::double as last_year_value_ytd,
        lfl_last_year_value_ytd::double as lfl_last_year_value_ytd,
        quarter_end::date as quarter_end,
        yoy_q_pct::double as yoy_q_pct,
        yoy_q_pct_lfl::double as yoy_q_pct_lfl,
        n_parks_q_lfl::integer as n_parks_q_lfl,
        yoy_ytd_pp::double as yoy_ytd_pp,
        two_year_avg_growth_pct::double as two_year_avg_growth_pct
{%- endmacro %}
