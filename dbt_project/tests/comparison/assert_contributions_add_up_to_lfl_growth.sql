-- Over the like-for-like parks, the parks' growth contributions (拉动, pp) add up to the national
-- like-for-like growth (docs/methodology.md). Any quarter and indicator where they do not is returned.
with park_growth_contribution as (

    select * from {{ ref('park_growth_contribution') }}
    where {{ quarters_to_test('park_growth_contribution', ['national_quarter']) }}

),

national_quarter as (

    select * from {{ ref('national_quarter') }}
    where {{ quarters_to_test('national_quarter', ['park_growth_contribution']) }}

),

dim_indicator as (

    select * from {{ ref('dim_indicator') }}

),

contributions_added_up as (

    select
        quarter,
        indicator_code,
        sum(contribution_pp) as sum_contribution_pp,
        count(*) as n_parks_lfl
    from park_growth_contribution
    group by quarter, indicator_code

),

national_additive_growth as (

    select national_quarter.*
    from national_quarter
    inner join dim_indicator
        on national_quarter.indicator_code = dim_indicator.indicator_code
    where dim_indicator.kind in ('flow', 'stock')

),

final as (

    select
        coalesce(national_additive_growth.quarter, contributions_added_up.quarter) as quarter,
        coalesce(national_additive_growth.indicator_code, contributions_added_up.indicator_code) as indicator_code,
        national_additive_growth.yoy_ytd_pct_lfl,
        contributions_added_up.sum_contribution_pp,
        national_additive_growth.n_parks_lfl as national_n_parks_lfl,
        contributions_added_up.n_parks_lfl
    from national_additive_growth
    full outer join contributions_added_up
        on
            national_additive_growth.quarter = contributions_added_up.quarter
            and national_additive_growth.indicator_code = contributions_added_up.indicator_code
    where
        (national_additive_growth.yoy_ytd_pct_lfl is null) != (contributions_added_up.sum_contribution_pp is null)
        or abs(national_additive_growth.yoy_ytd_pct_lfl - contributions_added_up.sum_contribution_pp)
        > 1e-6 * greatest(1, abs(national_additive_growth.yoy_ytd_pct_lfl))

)

select * from final
