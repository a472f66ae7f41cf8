"""Participatory pages in Wagtail's API v2: status, phases and readable rich text."""

from wagtail_participation.status import PhaseKind

from .conftest import make_process, phase

FIELDS = "status,summary,impact_statement,participation_phases,neighbourhood_names,theme_names"


def test_api_gives_status_phases_and_places(client, index_page, neighbourhoods, frozen_now):
    page = make_process(
        index_page,
        "Market square",
        [phase(PhaseKind.CONTRIBUTION, -1, 10, title="Ideas"), phase(PhaseKind.RESULTS, 20)],
        neighbourhoods=[neighbourhoods["centre"]],
        themes=["Mobility"],
    )
    page.impact_statement = f'<p>See <a linktype="page" id="{index_page.pk}">all</a>.</p>'
    page.save_revision().publish()
    make_process(index_page, "Draft", [phase(PhaseKind.VOTE, -1, 5)], live=False)

    response = client.get(
        "/api/v2/pages/",
        {"type": "wagtail_participation.InformationProcessPage", "fields": FIELDS},
    )
    assert response.status_code == 200
    items = response.json()["items"]
    assert [item["title"] for item in items] == ["Market square"]
    item = items[0]
    assert item["status"] == "open"
    assert item["neighbourhood_names"] == ["Centre"]
    assert item["theme_names"] == ["Mobility"]
    assert [(p["kind"], p["display_title"]) for p in item["participation_phases"]] == [
        ("contribution", "Ideas"),
        ("results", "Results"),
    ]
    assert item["participation_phases"][1]["ends_at"] is None
    assert f'href="{index_page.url}"' in item["impact_statement"]
    assert "linktype" not in item["impact_statement"]
