"""Neighbourhoods: the snippet editors fill in, and its validation."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from wagtail_participation.models import Neighbourhood

SQUARE = {
    "type": "Polygon",
    "coordinates": [[[2.77, 50.42], [2.78, 50.42], [2.78, 50.43], [2.77, 50.42]]],
}


def test_slug_is_made_from_the_name(db):
    neighbourhood = Neighbourhood(name="Les Prés du Moulin")
    neighbourhood.full_clean()
    neighbourhood.save()
    assert neighbourhood.slug == "les-pres-du-moulin"
    assert str(neighbourhood) == "Les Prés du Moulin"


def test_slug_is_unique_with_a_clear_message(db):
    Neighbourhood.objects.create(name="Centre", slug="centre")
    duplicate = Neighbourhood(name="Centre again", slug="centre")
    with pytest.raises(ValidationError) as error:
        duplicate.full_clean()
    assert "Another neighbourhood already uses this slug." in str(error.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


def test_point_needs_both_coordinates(db):
    with pytest.raises(ValidationError, match="both the latitude and the longitude"):
        Neighbourhood(name="Centre", latitude=Decimal("50.1")).full_clean()


def test_point_must_lie_on_earth(db):
    with pytest.raises(ValidationError, match="latitude lies between"):
        Neighbourhood(name="Centre", latitude=Decimal("95"), longitude=Decimal("2")).full_clean()


def test_outline_accepts_geojson_polygons(db):
    Neighbourhood(name="Centre", outline=SQUARE).full_clean()
    Neighbourhood(
        name="Two parts",
        outline={"type": "MultiPolygon", "coordinates": [SQUARE["coordinates"]]},
    ).full_clean()


@pytest.mark.parametrize(
    "outline, message",
    [
        ({"type": "Point", "coordinates": [2.7, 50.4]}, "Polygon"),
        ({"type": "Polygon", "coordinates": [[[2.77, 50.42], [2.78, 50.42]]]}, "four points"),
        (
            {"type": "Polygon", "coordinates": [[[2, 50], [3, 50], [3, 51], [2, 51.5]]]},
            "end where it starts",
        ),
        ({"type": "Polygon", "coordinates": [[[200, 50], [3, 50], [3, 51], [200, 50]]]}, "outside"),
        ({"type": "Polygon", "coordinates": [[["a", 50], [3, 50], [3, 51], ["a", 50]]]}, "pair"),
        ("not json geometry", "Polygon"),
    ],
)
def test_outline_errors_are_explained(db, outline, message):
    with pytest.raises(ValidationError, match=message):
        Neighbourhood(name="Centre", outline=outline).full_clean()
