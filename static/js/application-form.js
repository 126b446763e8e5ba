// The application form: passport fields only for 是, and a progress bar for uploads.
// Everything works without this script too (the server clears passport data for 否).
(function () {
  "use strict";
  var form = document.getElementById("application-form");
  if (!form) return;

  // --- 是否已办理护照 -------------------------------------------------------------
  var passportFields = form.querySelector("[data-passport-fields]");
  var answers = form.querySelectorAll("input[name='has_passport']");
  function showPassport() {
    var yes = form.querySelector("input[name='has_passport'][value='True']");
    passportFields.hidden = !(yes && yes.checked);
  }
  if (passportFields && answers.length) {
    answers.forEach(function (radio) { radio.addEventListener("change", showPassport); });
    showPassport();
  }

  // --- Upload progress -------------------------------------------------------------
  // With files chosen, send the form by XHR to show progress, then show the page the
  // server answered with (the same page a normal submit would have shown).
  var bar = form.querySelector("[data-upload-progress-bar]");
  function hasFiles() {
    return Array.prototype.some.call(form.querySelectorAll("input[type='file']"), function (input) {
      return input.files && input.files.length > 0;
    });
  }
  form.addEventListener("submit", function (event) {
    if (!bar || !window.FormData || !hasFiles()) return;
    event.preventDefault();
    var data = new FormData(form, event.submitter || null);
    var xhr = new XMLHttpRequest();
    var label = bar.querySelector("[data-upload-progress-label]");
    var inner = bar.querySelector(".progress-bar");
    var track = bar.querySelector(".progress");
    bar.classList.remove("d-none");
    label.textContent = form.dataset.savingText;
    form.querySelectorAll("button[type='submit']").forEach(function (b) { b.disabled = true; });
    xhr.upload.addEventListener("progress", function (e) {
      if (!e.lengthComputable) return;
      var percent = Math.round((e.loaded / e.total) * 100);
      inner.style.width = percent + "%";
      track.setAttribute("aria-valuenow", String(percent));
      label.textContent = form.dataset.savingText + " " + percent + "%";
    });
    xhr.addEventListener("load", function () {
      if (xhr.responseURL) window.history.replaceState(null, "", xhr.responseURL);
      document.open();
      document.write(xhr.responseText);
      document.close();
    });
    xhr.addEventListener("error", function () {
      // The network failed: fall back to an ordinary submit, which shows the browser's error.
      form.querySelectorAll("button[type='submit']").forEach(function (b) { b.disabled = false; });
      bar.classList.add("d-none");
      HTMLFormElement.prototype.submit.call(form);
    });
    xhr.open("POST", form.getAttribute("action") || window.location.href);
    xhr.send(data);
  });
})();
