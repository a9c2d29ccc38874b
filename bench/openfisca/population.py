"""A deterministic synthetic population for the OpenFisca comparison: the
same households as libcivic timelines (JSON) and as OpenFisca monthly inputs.

Life events take effect on the first day of a month: OpenFisca computes per
calendar month, so a change in the middle of a month (which libcivic
prorates by day, spec section 4) has no faithful OpenFisca counterpart. Every
event is reported on its effective date (the comparison is "as known now").
"""

import random

MONTHS = ["2025-%02d" % m for m in range(1, 13)]
FACTS = ["adults", "children", "has_partner", "rent", "municipality",
         "earned_income", "other_income"]


def _household(rng, index):
    adults = rng.choice([1, 1, 2])
    initial = {
        "adults": adults,
        "children": rng.choice([0, 0, 1, 2, 3]),
        "has_partner": adults - 1,
        "rent": rng.randint(40000, 110000),  # some above the rent ceiling
        "municipality": 344 if rng.random() < 0.6 else 363,
        "earned_income": 0 if rng.random() < 0.6 else rng.randint(20000, 250000),
        "other_income": 0 if rng.random() < 0.8 else rng.randint(5000, 60000),
    }
    state = dict(initial)
    events = []
    for k, month in enumerate(sorted(rng.sample(range(2, 13), rng.randint(0, 3)))):
        event = {"id": "ev-%d" % k, "effective": "2025-%02d-01" % month,
                 "reported": "2025-%02d-01" % month}
        kind = rng.choice(["relocation", "income", "income", "partner", "birth", "child"])
        if kind == "relocation":
            event.update(type="relocation", rent=rng.randint(40000, 110000),
                         municipality=rng.choice([344, 363]))
            state_change = {"rent": event["rent"], "municipality": event["municipality"]}
        elif kind == "income":
            earned = 0 if rng.random() < 0.3 else rng.randint(20000, 250000)
            event.update(type="income_change", earned_income=earned)
            state_change = {"earned_income": earned}
            if rng.random() < 0.2:
                event["other_income"] = rng.randint(0, 60000)
                state_change["other_income"] = event["other_income"]
        elif kind == "partner":
            start = state["has_partner"] == 0
            event["type"] = "cohabitation_start" if start else "cohabitation_end"
            state_change = {"has_partner": 1 if start else 0, "adults": 2 if start else 1}
        elif kind == "child" and state["children"] > 0:
            event["type"] = "child_leaves"
            state_change = {"children": state["children"] - 1}
        else:
            event["type"] = "birth"
            state_change = {"children": state["children"] + 1}
        state.update(state_change)
        events.append((month, event, dict(state)))
    timeline = {"household": "hh-%06d" % index, "start": "2025-01-01",
                "initial": initial, "events": [e for _, e, _ in events]}
    # facts per month: the state after every event effective by the 1st
    monthly, current, pending = [], dict(initial), list(events)
    for month in range(1, 13):
        while pending and pending[0][0] <= month:
            current = pending.pop(0)[2]
        monthly.append(current)
    return timeline, monthly


def make(count, seed=2025):
    """(timelines, inputs): libcivic timelines and, for OpenFisca,
    inputs[month][fact] = list over households."""
    rng = random.Random(seed)
    timelines = []
    inputs = [{fact: [] for fact in FACTS} for _ in MONTHS]
    for index in range(count):
        timeline, monthly = _household(rng, index)
        timelines.append(timeline)
        for m, facts in enumerate(monthly):
            for fact in FACTS:
                inputs[m][fact].append(facts[fact])
    return timelines, inputs
