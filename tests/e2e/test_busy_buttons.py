"""A button says that it is working while its request runs (static/js/busy.js).

What the page showed while the POST ran is recorded by a script of the test (the moment
after the press, in the page itself) and read back once the answer has been shown.
"""

import json

import pytest
from playwright.sync_api import expect

from apps.applications.models import Application, ApplicationEvent, Status
from tests.e2e.test_catalog_journey import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# After the first submit: the form and its buttons as busy.js left them, then a second
# press while the first request runs.
RECORD = """
window.addEventListener("submit", (event) => {
  const form = event.target;
  const log = JSON.parse(sessionStorage.getItem("submits") || "[]");
  log.push({ prevented: event.defaultPrevented });
  sessionStorage.setItem("submits", JSON.stringify(log));
  if (log.length !== 1) return;
  setTimeout(() => {
    sessionStorage.setItem("busy", JSON.stringify({
      busy: form.getAttribute("aria-busy"),
      buttons: [...form.querySelectorAll(".form-actions button")].map(
        (b) => [b.textContent.trim(), b.disabled]),
      status: document.querySelector("[role=status][aria-live]")?.textContent,
    }));
    form.requestSubmit();
  }, 0);
});
"""


def recorded(page, key):
    return json.loads(page.evaluate(f"sessionStorage.getItem('{key}')"))


def open_form(page, base_url, student, application):
    """The application's form, recording; returns the POSTs the page sends from then on."""
    sign_in(page, base_url, student.username)
    path = f"/applications/{application.pk}/edit/"
    page.add_init_script(RECORD)
    page.goto(base_url + path)
    sent = []
    page.on("request", lambda r: sent.append(r) if r.method == "POST" and path in r.url else None)
    return sent


def test_submit_shows_that_it_is_working_and_sends_once(page, live_server, student, make_draft):
    application = make_draft()
    sent = open_form(page, live_server.url, student, application)

    page.locator("#application-form .form-actions").get_by_role("button", name="提交").click()

    # The details page: submitted.
    expect(page).to_have_url(f"{live_server.url}/applications/{application.pk}/", timeout=30_000)
    assert recorded(page, "busy") == {
        "busy": "true",
        "buttons": [["保存", True], ["正在提交…", True]],
        "status": "正在提交…",
    }
    assert recorded(page, "submits") == [{"prevented": False}, {"prevented": True}]
    assert len(sent) == 1
    assert Application.objects.get(pk=application.pk).status == Status.SUBMITTED
    events = ApplicationEvent.objects.filter(application=application, to_value="submitted")
    assert events.count() == 1


def test_save_says_saving_and_still_sends_its_action(page, live_server, student, make_draft):
    application = make_draft(complete=False)
    sent = open_form(page, live_server.url, student, application)

    page.locator("#application-form .form-actions").get_by_role("button", name="保存").click()

    expect(page.get_by_role("alert").filter(has_text="已保存")).to_be_visible(timeout=30_000)
    assert recorded(page, "busy")["buttons"] == [["正在保存…", True], ["提交", True]]
    assert len(sent) == 1 and "action=save" in (sent[0].post_data or "")
    assert Application.objects.get(pk=application.pk).status == Status.DRAFT
