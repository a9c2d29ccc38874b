"""Variables of civic_nl: one per input fact and one per formula of the
example scheme that the four monthly benefits need. Names match the scheme's
variables, so each formula here can be read next to its scheme line.
(OpenFisca reads a variable's attributes from its own class body, not from
base classes, hence the repeated entity and period lines.)"""

import numpy as np

from openfisca_core.periods import MONTH
from openfisca_core.variables import Variable

from .entities import Household


def _f64(values):
    """Intermediate arithmetic in float64: exact for whole cents times basis
    points (below 2**53), where float32 (OpenFisca's float) is not."""
    return np.asarray(values, dtype=np.float64)


class adults(Variable):
    entity = Household
    definition_period = MONTH
    value_type = int
    label = "Adults living in the household (1 or 2)"


class children(Variable):
    entity = Household
    definition_period = MONTH
    value_type = int
    label = "Children living in the household"


class has_partner(Variable):
    entity = Household
    definition_period = MONTH
    value_type = int
    label = "1 while the applicant cohabits"


class rent(Variable):
    entity = Household
    definition_period = MONTH
    value_type = float
    label = "Monthly rent, euro cents"


class municipality(Variable):
    entity = Household
    definition_period = MONTH
    value_type = int
    label = "CBS municipality code (Utrecht is 344)"


class earned_income(Variable):
    entity = Household
    definition_period = MONTH
    value_type = float
    label = "Monthly earned income, euro cents"


class other_income(Variable):
    entity = Household
    definition_period = MONTH
    value_type = float
    label = "Monthly other income, euro cents"


class earned_months(Variable):
    """Month of the current earnings spell: 1 in the first calendar month
    with earnings, 2 in the next, ...; 0 without earnings. The simulation
    sets 0 for the month before its first month (the recursion's base)."""

    value_type = int
    entity = Household
    definition_period = MONTH
    label = "Months of the current earnings spell"

    def formula(household, period, parameters):
        previous = household("earned_months", period.last_month)
        return np.where(household("earned_income", period) > 0, previous + 1, 0)


class single_parent(Variable):
    entity = Household
    definition_period = MONTH
    value_type = bool
    label = "adults == 1 && children > 0"

    def formula(household, period, parameters):
        return (household("adults", period) == 1) * (household("children", period) > 0)


class norm(Variable):
    entity = Household
    definition_period = MONTH
    value_type = float
    label = "if(has_partner, norm_couple, norm_single)"

    def formula(household, period, parameters):
        p = parameters(period)
        return np.where(household("has_partner", period) != 0, p.norm_couple, p.norm_single)


class in_disregard_period(Variable):
    entity = Household
    definition_period = MONTH
    value_type = bool
    label = "earned_months >= 1 && earned_months <= disregard_months"

    def formula(household, period, parameters):
        months = household("earned_months", period)
        return (months >= 1) * (months <= parameters(period).disregard_months)


class earnings_disregard(Variable):
    entity = Household
    definition_period = MONTH
    value_type = float
    label = "if(in_disregard_period, min(bp(earned_income, disregard_bp), disregard_cap), 0)"

    def formula(household, period, parameters):
        p = parameters(period)
        # bp(x, r) = floor(x * r / 10000): the floor is explicit.
        share = np.floor(_f64(household("earned_income", period)) * p.disregard_bp / 10000)
        return np.where(household("in_disregard_period", period),
                        np.minimum(share, p.disregard_cap), 0)


class counted_income(Variable):
    entity = Household
    definition_period = MONTH
    value_type = float
    label = "earned_income - earnings_disregard + other_income"

    def formula(household, period, parameters):
        return (_f64(household("earned_income", period))
                - household("earnings_disregard", period)
                + household("other_income", period))


class bijstand(Variable):
    entity = Household
    definition_period = MONTH
    value_type = float
    label = "Social assistance: max(0, norm - counted_income)"

    def formula(household, period, parameters):
        return np.maximum(0, _f64(household("norm", period)) - household("counted_income", period))


class huurtoeslag(Variable):
    entity = Household
    definition_period = MONTH
    value_type = float
    label = "Rent allowance: 65% of the rent between base and ceiling, rounded up to a cent"

    def formula(household, period, parameters):
        p = parameters(period)
        rent_cents = _f64(household("rent", period))
        eligible = np.minimum(rent_cents, p.rent_ceiling)
        e4 = np.maximum(0, eligible - p.rent_base) * p.rent_allowance_bp
        # round up to a multiple of 10000, then div(.., 10000): a ceiling
        return np.where(rent_cents > p.rent_ceiling, 0, np.ceil(e4 / 10000))


class kindgebonden_budget(Variable):
    entity = Household
    definition_period = MONTH
    value_type = float
    label = "Child budget per child plus the single-parent supplement"

    def formula(household, period, parameters):
        p = parameters(period)
        return (_f64(household("children", period)) * p.child_budget_per_child
                + np.where(household("single_parent", period), p.single_parent_supplement, 0))


class municipal_supplement(Variable):
    entity = Household
    definition_period = MONTH
    value_type = float
    label = "Utrecht supplement for households on social assistance"

    def formula(household, period, parameters):
        p = parameters(period)
        return np.where((household("municipality", period) == p.utrecht_code)
                        * (household("bijstand", period) > 0), p.utrecht_supplement, 0)


INPUTS = ["adults", "children", "has_partner", "rent", "municipality",
          "earned_income", "other_income"]
BENEFITS = ["bijstand", "huurtoeslag", "kindgebonden_budget", "municipal_supplement"]
ALL = [adults, children, has_partner, rent, municipality, earned_income, other_income,
       earned_months, single_parent, norm, in_disregard_period, earnings_disregard,
       counted_income, bijstand, huurtoeslag, kindgebonden_budget, municipal_supplement]
