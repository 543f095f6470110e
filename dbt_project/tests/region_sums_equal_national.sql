-- 区域合计 = 全国、分省合计 = 区域：flows and stocks add up, and for every indicator the parks behind the totals
-- (n_parks, n_parks_lfl, n_parks_growing) add up. Returns the level, quarter and indicator that disagree.
with national_quarter as (

    select * from {{ ref('national_quarter') }}
    where {{ quarters_to_test('national_quarter', ['region_quarter', 'province_quarter']) }}

),

region_quarter as (

    select * from {{ ref('region_quarter') }}
    where {{ quarters_to_test('region_quarter', ['national_quarter', 'province_quarter']) }}

),

province_quarter as (

    select * from {{ ref('province_quarter') }}
    where {{ quarters_to_test('province_quarter', ['national_quarter', 'region_quarter']) }}

),

regions_summed as (

    select
        'national' as level,
        quarter,
        indicator_code,
        any_value(kind) as kind,
        sum(value_ytd) as value_ytd,
        sum(n_parks) as n_parks,
        sum(n_parks_lfl) as n_parks_lfl,
        sum(n_parks_growing) as n_parks_growing
    from region_quarter
    group by quarter, indicator_code

),

provinces_summed as (

    select
        region as level,
        quarter,
        indicator_code,
        any_value(kind) as kind,
        sum(value_ytd) as value_ytd,
        sum(n_parks) as n_parks,
        sum(n_parks_lfl) as n_parks_lfl,
        sum(n_parks_growing) as n_parks_growing
    from province_quarter
    group by region, quarter, indicator_code

),

totals as (

    select
        'national' as level,
        quarter,
        indicator_code,
        value_ytd,
        n_parks,
        n_parks_lfl,
        n_parks_growing
    from national_quarter

    union all

    select
        region as level,
        quarter,
        indicator_code,
        value_ytd,
        n_parks,
        n_parks_lfl,
        n_parks_growing
    from region_quarter

),

parts_summed as (

    select * from regions_summed
    union all
    select * from provinces_summed

),

final as (

    select
        parts_summed.level,
        parts_summed.quarter,
        parts_summed.indicator_code,
        parts_summed.value_ytd as parts_value_ytd,
        totals.value_ytd as total_value_ytd,
        parts_summed.n_parks as parts_n,
        totals.n_parks as total_n
    from parts_summed
    left join totals
        on
            parts_summed.level = totals.level
            and parts_summed.quarter = totals.quarter
            and parts_summed.indicator_code = totals.indicator_code
    where
        totals.level is null
        or parts_summed.n_parks <> totals.n_parks
        or parts_summed.n_parks_lfl <> totals.n_parks_lfl
        or parts_summed.n_parks_growing <> totals.n_parks_growing
        or (
            parts_summed.kind <> 'ratio'
            and abs(parts_summed.value_ytd - totals.value_ytd) > 1e-9 * abs(totals.value_ytd)
        )

)

select * from final
