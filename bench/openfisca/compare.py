"""libcivic against OpenFisca on the same synthetic population.

Runs the example scheme's four monthly benefits (bijstand, huurtoeslag,
kindgebonden_budget, municipal_supplement) for N households x 12 months of
2025 through

  * libcivic's batch entry point civic_recalc_due_batch (one compiled scheme,
    JSON timelines in, integer cents out), called through ctypes on the
    shared library, and its full recalculation civic_recalc_run_with_scheme
    (per household: corrections, recovery plan, JSON out);
  * OpenFisca (civic_nl, this directory), one vectorised simulation.

Comparison rule: libcivic's amounts are integers (cents). OpenFisca's are
float32 holding cents; each is converted with round-half-even to the nearest
integer (numpy.rint in float64) and must equal libcivic's amount exactly: no
tolerance. Speeds are household-years per second (one household, 12 months,
4 benefits), the best of --repeat runs, in this one process.

Usage: compare.py --lib build/libcivic.so [--households 10000] [--json FILE]
"""

import argparse
import ctypes
import json
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import civic_nl  # noqa: E402
import population  # noqa: E402
from openfisca_core.simulation_builder import SimulationBuilder  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(HERE))
SCHEME = os.path.join(ROOT, "examples", "schemes", "nl-participatiewet-2025.json")


class Civic:
    """The few libcivic entry points used here, through ctypes."""

    def __init__(self, path, scheme_text):
        lib = self.lib = ctypes.CDLL(path)
        p, c_int = ctypes.c_void_p, ctypes.c_int
        lib.civic_ctx_new.argtypes = [ctypes.POINTER(p)]
        lib.civic_ctx_errmsg.argtypes = [p]
        lib.civic_ctx_errmsg.restype = ctypes.c_char_p
        lib.civic_recalc_scheme_new.argtypes = [p, ctypes.c_char_p, ctypes.POINTER(p)]
        lib.civic_recalc_scheme_benefit_count.argtypes = [p]
        lib.civic_recalc_scheme_benefit_count.restype = ctypes.c_size_t
        lib.civic_recalc_scheme_benefit_id.argtypes = [p, ctypes.c_size_t]
        lib.civic_recalc_scheme_benefit_id.restype = ctypes.c_char_p
        lib.civic_recalc_due_batch.argtypes = [p, p, ctypes.c_char_p,
                                               ctypes.POINTER(ctypes.c_int64), ctypes.c_size_t]
        lib.civic_recalc_run_with_scheme.argtypes = [p, p, ctypes.c_char_p,
                                                     ctypes.POINTER(ctypes.c_void_p)]
        lib.civic_free.argtypes = [p]
        for f in (lib.civic_ctx_new, lib.civic_recalc_scheme_new,
                  lib.civic_recalc_due_batch, lib.civic_recalc_run_with_scheme):
            f.restype = c_int
        self.ctx, self.scheme = p(), p()
        self._check(lib.civic_ctx_new(ctypes.byref(self.ctx)))
        self._check(lib.civic_recalc_scheme_new(self.ctx, scheme_text.encode(),
                                                ctypes.byref(self.scheme)))
        n = lib.civic_recalc_scheme_benefit_count(self.scheme)
        self.benefits = [lib.civic_recalc_scheme_benefit_id(self.scheme, i).decode()
                         for i in range(n)]

    def _check(self, status):
        if status != 0:
            raise RuntimeError("libcivic status %d: %s" % (
                status, self.lib.civic_ctx_errmsg(self.ctx).decode()))

    def due_batch(self, batch_text, households, months):
        due = np.zeros(households * months * len(self.benefits), dtype=np.int64)
        self._check(self.lib.civic_recalc_due_batch(
            self.ctx, self.scheme, batch_text,
            due.ctypes.data_as(ctypes.POINTER(ctypes.c_int64)), due.size))
        return due.reshape(households, months, len(self.benefits))

    def run(self, input_text):
        out = ctypes.c_void_p()
        self._check(self.lib.civic_recalc_run_with_scheme(self.ctx, self.scheme, input_text,
                                                          ctypes.byref(out)))
        text = ctypes.string_at(out.value)
        self.lib.civic_free(out)
        return text


def best_of(repeat, fn):
    best, result = None, None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        elapsed = time.perf_counter() - start
        best = elapsed if best is None or elapsed < best else best
    return best, result


def openfisca_run(tbs, inputs, households):
    """One simulation: set the monthly inputs, compute every benefit for
    every month. Returns {benefit: array[month][household]} in float32."""
    sim = SimulationBuilder().build_default_simulation(tbs, households)
    sim.set_input("earned_months", "2024-12", np.zeros(households, dtype=np.int32))
    for month, facts in zip(population.MONTHS, inputs):
        for fact, values in facts.items():
            sim.set_input(fact, month, np.asarray(values))
    return {b: np.stack([sim.calculate(b, m) for m in population.MONTHS])
            for b in civic_nl.variables.BENEFITS}


def check_parameters(tbs, scheme):
    """Every YAML parameter equals the scheme's value in force on the first
    day of every month compared."""
    for path in os.listdir(os.path.join(HERE, "civic_nl", "parameters")):
        name = path[:-len(".yaml")]
        periods = sorted(scheme["parameters"][name], key=lambda p: p["from"])
        for month in population.MONTHS:
            want = [p["value"] for p in periods if p["from"] <= month + "-01"][-1]
            got = getattr(tbs.parameters(month), name)
            if got != want:
                raise SystemExit("parameter %s differs in %s: %r vs %r" % (name, month, got, want))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lib", required=True, help="path of libcivic.so")
    ap.add_argument("--households", type=int, default=10000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--full-households", type=int, default=2000,
                    help="households for the full recalculation timing")
    ap.add_argument("--json", help="write the figures to this file")
    args = ap.parse_args()

    scheme_text = open(SCHEME, encoding="utf-8").read()
    scheme = json.loads(scheme_text)
    tbs = civic_nl.CountryTaxBenefitSystem()
    check_parameters(tbs, scheme)
    civic = Civic(args.lib, scheme_text)
    assert civic.benefits == civic_nl.variables.BENEFITS, civic.benefits

    n, months = args.households, len(population.MONTHS)
    timelines, inputs = population.make(n)
    batch = json.dumps({"from": population.MONTHS[0], "to": population.MONTHS[-1],
                        "timelines": timelines}).encode()

    civic_s, due = best_of(args.repeat, lambda: civic.due_batch(batch, n, months))
    of_s, amounts = best_of(args.repeat, lambda: openfisca_run(tbs, inputs, n))

    # the comparison: round OpenFisca's float32 cents to integers, no tolerance
    mismatches, nonzero = 0, {}
    for b, benefit in enumerate(civic.benefits):
        of_cents = np.rint(amounts[benefit].astype(np.float64)).astype(np.int64).T
        differ = of_cents != due[:, :, b]
        mismatches += int(differ.sum())
        nonzero[benefit] = int((due[:, :, b] != 0).sum())
        if differ.any():
            h, m = np.argwhere(differ)[0]
            print("first mismatch: %s household %s month %s: libcivic %d, OpenFisca %r" % (
                benefit, timelines[h]["household"], population.MONTHS[m],
                due[h, m, b], amounts[benefit][m, h]))

    policy = {"payer_account": "agency:utrecht", "resident_account": "escrow:x",
              "receivable_account": "receivable:x", "receivable_outstanding": 0,
              "recovery_cap": 15000, "min_instalment": 1000, "max_term_months": 12,
              "floor_parameter": "beslagvrije_voet"}
    full_n = min(args.full_households, n)
    full_inputs = [json.dumps({"from": "2025-01", "to": "2025-12", "timeline": t,
                               "payments": [], "policy": policy}).encode()
                   for t in timelines[:full_n]]
    full_s, _ = best_of(args.repeat, lambda: [civic.run(x) for x in full_inputs])

    figures = {
        "households": n,
        "months": months,
        "household_months_compared": n * months,
        "amounts_compared": n * months * len(civic.benefits),
        "mismatches": mismatches,
        "nonzero_amounts": nonzero,
        "libcivic_due_batch_s": round(civic_s, 4),
        "libcivic_due_batch_household_years_per_s": int(n / civic_s),
        "libcivic_full_recalc_household_years_per_s": int(full_n / full_s),
        "openfisca_s": round(of_s, 4),
        "openfisca_household_years_per_s": int(n / of_s),
        "speed_ratio_libcivic_batch_to_openfisca": round(of_s / civic_s, 2),
        "openfisca_core": __import__("importlib.metadata").metadata.version("openfisca-core"),
        "numpy": np.__version__,
    }
    print(json.dumps(figures, indent=2))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(figures, f, indent=2)
    return 0 if mismatches == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
