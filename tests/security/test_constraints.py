"""The database itself refuses a second support, ballot, registration, answer or code: every
constraint the models declare exists in the database the tests run on (SQLite or PostgreSQL)."""

import pytest
from django.apps import apps
from django.db import connection

# The rules that hold under races; each must be a named constraint in the database.
ONE_PER_RESIDENT = {
    "participation_consultations.Support": "participation_one_support_per_resident",
    "participation_consultations.QuestionnaireResponse": "participation_one_response_per_resident",
    "participation_consultations.ContentReport": "participation_one_report_per_contribution",
    "participation_budgets.Ballot": "participation_one_ballot_per_envelope",
    "participation_budgets.BallotChoice": "participation_one_choice_per_project",
    "participation_meetings.Registration": "participation_one_registration_per_occurrence",
    "wagtail_participation.ParticipationCode": "participation_code_unique_hash",
    "participation_restitution.RestitutionNotice": "participation_one_notice_per_restitution",
}


def declared_constraints():
    return [
        (model, constraint.name)
        for model in apps.get_models()
        if model.__module__.startswith("wagtail_participation")
        for constraint in model._meta.constraints
    ]


def constraints_in_database(model):
    with connection.cursor() as cursor:
        return connection.introspection.get_constraints(cursor, model._meta.db_table)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "model, name", declared_constraints(), ids=[name for _, name in declared_constraints()]
)
def test_every_declared_constraint_exists_in_the_database(model, name):
    assert name in constraints_in_database(model)


def test_the_rules_that_hold_under_races_are_declared_constraints():
    declared = {(model._meta.label, name) for model, name in declared_constraints()}

    assert set(ONE_PER_RESIDENT.items()) <= declared
