"""A small OpenFisca country package: the core benefits of libcivic's
example scheme (examples/schemes/nl-participatiewet-2025.json), written the
way an OpenFisca modeller would, to compare results and speed with libcivic
(bench/openfisca/compare.py, scripts/bench-openfisca.sh).

Money is in euro cents, like the scheme. OpenFisca stores a ``float``
variable as numpy float32, which holds every whole number of cents up to
2**24 (EUR 167,772.16) exactly, far above any monthly amount here; the
products inside formulas (rent x basis points, earnings x basis points) are
formed in float64, exact below 2**53, and every rounding the scheme states
(floor for the disregard, ceiling for the rent allowance) is explicit.
"""

import os

from openfisca_core.taxbenefitsystems import TaxBenefitSystem

from . import variables
from .entities import entities

PARAMETERS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "parameters")


class CountryTaxBenefitSystem(TaxBenefitSystem):
    """Entities, the dated parameters (YAML) and the variables of civic_nl."""

    def __init__(self):
        super().__init__(entities)
        for variable in variables.ALL:
            self.add_variable(variable)
        self.load_parameters(PARAMETERS_DIR)
