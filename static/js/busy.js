// While a form's POST runs, its button says so: a spinner and "正在提交…" (or the button's
// own data-busy-text), the form aria-busy, the same words in a polite live region for
// screen readers; a second click does not send it again. Forms sent by GET (searches),
// the header's forms (退出 and the language switch, which only navigate), forms marked
// data-no-busy, and submits another script took over are left alone.
(function () {
  "use strict";
  var script = document.currentScript;
  var defaultText = (script && script.dataset.busyText) || "…";
  var status = null;

  function announce(text) {
    if (!status) {
      status = document.createElement("div");
      status.className = "visually-hidden";
      status.setAttribute("role", "status");
      status.setAttribute("aria-live", "polite");
      document.body.appendChild(status);
    }
    status.textContent = text;
  }

  function submitButtons(form) {
    return form.querySelectorAll("button[type='submit'], button:not([type]), input[type='submit']");
  }

  function showBusy(form, button) {
    var text = (button && button.dataset.busyText) || form.dataset.busyText || defaultText;
    form.setAttribute("aria-busy", "true");
    if (button && button.tagName === "BUTTON") {
      button.dataset.idleHtml = button.innerHTML;
      button.textContent = "";
      var spinner = document.createElement("span");
      spinner.className = "spinner-border spinner-border-sm me-2";
      spinner.setAttribute("aria-hidden", "true");
      button.appendChild(spinner);
      button.appendChild(document.createTextNode(text));
    }
    // Disabled after the browser has read the form: a disabled submitter would not be sent.
    window.setTimeout(function () {
      submitButtons(form).forEach(function (b) { b.disabled = true; });
    }, 0);
    announce(text);
  }

  function reset(form) {
    delete form.dataset.busy;
    form.removeAttribute("aria-busy");
    submitButtons(form).forEach(function (b) {
      b.disabled = false;
      if (b.dataset.idleHtml !== undefined) {
        b.innerHTML = b.dataset.idleHtml;
        delete b.dataset.idleHtml;
      }
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || "noBusy" in form.dataset) return;
    if (form.closest("header")) return;
    if ((form.getAttribute("method") || "get").toLowerCase() !== "post") return;
    if (form.dataset.busy) {
      event.preventDefault(); // already on its way: one submission
      return;
    }
    if (event.defaultPrevented) return; // another script sends it (the upload progress bar)
    form.dataset.busy = "1";
    var button = event.submitter || submitButtons(form)[0] || null;
    showBusy(form, button);
  });

  // Back to a page kept by the browser (the back button): its buttons work again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    document.querySelectorAll("form[data-busy]").forEach(reset);
    if (status) status.textContent = "";
  });
})();
