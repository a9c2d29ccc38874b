"""Entities: a person, and the household the benefits are paid to (libcivic
recalculates per household; a household here has one person, its
applicant, and its composition as household variables)."""

from openfisca_core.entities import build_entity

Person = build_entity(
    key="person",
    plural="persons",
    label="A person",
    is_person=True,
)

Household = build_entity(
    key="household",
    plural="households",
    label="A household receiving social assistance",
    roles=[{"key": "applicant", "plural": "applicants", "label": "Applicant"}],
)

entities = [Person, Household]
