from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

OUTLINE_TYPES = ("Polygon", "MultiPolygon")


def _check_position(position):
    if (
        not isinstance(position, list | tuple)
        or len(position) < 2
        or not all(isinstance(c, int | float) and not isinstance(c, bool) for c in position[:2])
    ):
        raise ValidationError(
            _("Each point of the outline must be a [longitude, latitude] pair of numbers."),
            code="invalid_outline",
        )
    longitude, latitude = position[0], position[1]
    if not (-180 <= longitude <= 180 and -90 <= latitude <= 90):
        raise ValidationError(
            _("The outline has a point outside the map: [%(lon)s, %(lat)s]."),
            code="invalid_outline",
            params={"lon": longitude, "lat": latitude},
        )


def _check_ring(ring):
    if not isinstance(ring, list) or len(ring) < 4:
        raise ValidationError(
            _("Each ring of the outline needs at least four points."), code="invalid_outline"
        )
    for position in ring:
        _check_position(position)
    if list(ring[0][:2]) != list(ring[-1][:2]):
        raise ValidationError(
            _("Each ring of the outline must end where it starts."), code="invalid_outline"
        )


def _check_polygon(rings):
    if not isinstance(rings, list) or not rings:
        raise ValidationError(_("A polygon needs at least one ring."), code="invalid_outline")
    for ring in rings:
        _check_ring(ring)


def validate_outline(value):
    """Accept a GeoJSON Polygon or MultiPolygon geometry, or nothing."""
    if value in (None, ""):
        return
    if not isinstance(value, dict) or value.get("type") not in OUTLINE_TYPES:
        raise ValidationError(
            _('The outline must be a GeoJSON geometry of type "Polygon" or "MultiPolygon".'),
            code="invalid_outline",
        )
    coordinates = value.get("coordinates")
    if value["type"] == "Polygon":
        _check_polygon(coordinates)
    else:
        if not isinstance(coordinates, list) or not coordinates:
            raise ValidationError(
                _("A MultiPolygon needs at least one polygon."), code="invalid_outline"
            )
        for polygon in coordinates:
            _check_polygon(polygon)
