"""The errors of a refused 提交 are linked to their controls, as crispy links the others:
the upload slots and the 是否已办理护照 radios carry aria-invalid and aria-describedby
(help text, then the error), and every id they name exists on the page."""

from html.parser import HTMLParser

from django.urls import reverse


class Elements(HTMLParser):
    """Every element's attributes, and the ids on the page."""

    def __init__(self, html):
        super().__init__()
        self.elements, self.ids = [], {}
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.elements.append((tag, attrs))
        if "id" in attrs:
            self.ids[attrs["id"]] = (tag, attrs)

    def inputs(self, **match):
        return [
            a
            for tag, a in self.elements
            if tag == "input" and all(a.get(k) == v for k, v in match.items())
        ]


def refused_submit(client, draft):
    response = client.post(
        reverse("applications:edit", args=[draft.pk]), {"action": "submit", "name": "张晓明"}
    )
    assert response.status_code == 200
    return Elements(response.content.decode())


def described_by(page, attrs):
    names = attrs.get("aria-describedby", "").split()
    assert names and all(name in page.ids for name in names), (attrs, names)
    return names


def test_refused_upload_slot_links_its_help_and_its_error(student_client, make_draft):
    page = refused_submit(student_client, make_draft(complete=False))
    transcript = page.inputs(type="file", name="transcript")[0]
    assert transcript.get("aria-invalid") == "true"
    assert described_by(page, transcript) == ["id_transcript_helptext", "id_transcript_error"]


def test_upload_slot_without_error_links_only_its_help(student_client, make_draft):
    response = student_client.get(reverse("applications:edit", args=[make_draft().pk]))
    page = Elements(response.content.decode())
    transcript = page.inputs(type="file", name="transcript")[0]
    assert "aria-invalid" not in transcript
    assert described_by(page, transcript) == ["id_transcript_helptext"]


def test_refused_passport_answer_links_its_help_and_its_error(student_client, make_draft):
    page = refused_submit(student_client, make_draft(complete=False))
    radios = page.inputs(type="radio", name="has_passport")
    assert len(radios) == 2
    for radio in radios:
        assert radio.get("aria-invalid") == "true"
        assert described_by(page, radio) == ["id_has_passport_helptext", "id_has_passport_error"]
        assert "autocomplete" not in radio  # not allowed on radios (Nu checker)
