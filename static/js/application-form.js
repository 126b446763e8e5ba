// The application form: passport fields only for 是, and a progress bar for uploads.
// Everything works without this script too (the server clears passport data for 否).
(function () {
  "use strict";
  var form = document.getElementById("application-form");
  if (!form) return;

  // --- A refused 保存 or 提交: the error summary takes focus, its links the field --------
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      var field = link && document.getElementById(link.getAttribute("href").slice(1));
      if (!field) return;
      event.preventDefault();
      // The label (or the group's legend) in view above the field, the field focused.
      var label = form.querySelector("label[for='" + field.id + "']");
      var group = field.closest("fieldset");
      var anchor = (field.type === "radio" && group) || label || field;
      anchor.scrollIntoView({ block: "start" });
      field.focus({ preventScroll: true });
      if (window.history.replaceState) window.history.replaceState(null, "", "#" + field.id);
    });
  }

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
  function buttons(disabled) {
    form.querySelectorAll("button[type='submit']").forEach(function (b) { b.disabled = disabled; });
  }
  function plainSubmit(submitter) {
    // An ordinary submit that carries the clicked button (保存, 提交 or 删除) along.
    form.dataset.plain = "1";
    if (submitter && submitter.name) {
      var hidden = document.createElement("input");
      hidden.type = "hidden";
      hidden.name = submitter.name;
      hidden.value = submitter.value;
      form.appendChild(hidden);
    }
    HTMLFormElement.prototype.submit.call(form);
  }
  form.addEventListener("submit", function (event) {
    var files = hasFiles();
    // Without a file chosen the form goes form-encoded, which the server reads several
    // times faster than multipart (most 保存 carry no file); with files it stays multipart.
    form.enctype = files ? "multipart/form-data" : "application/x-www-form-urlencoded";
    if (form.dataset.plain || !bar || !window.FormData || !files) return;
    event.preventDefault();
    var submitter = event.submitter || null;
    var data = new FormData(form);
    if (submitter && submitter.name) data.append(submitter.name, submitter.value);
    var xhr = new XMLHttpRequest();
    var label = bar.querySelector("[data-upload-progress-label]");
    var inner = bar.querySelector(".progress-bar");
    var track = bar.querySelector(".progress");
    bar.classList.remove("d-none");
    label.textContent = form.dataset.savingText;
    buttons(true);
    xhr.upload.addEventListener("progress", function (e) {
      if (!e.lengthComputable) return;
      var percent = Math.round((e.loaded / e.total) * 100);
      inner.style.width = percent + "%";
      track.setAttribute("aria-valuenow", String(percent));
      label.textContent = form.dataset.savingText + " " + percent + "%";
    });
    xhr.addEventListener("load", function () {
      var type = xhr.getResponseHeader("Content-Type") || "";
      if (type.indexOf("text/html") !== 0) {
        // Not one of our pages (a proxy's error, say): let the browser show it as it is.
        plainSubmit(submitter);
        return;
      }
      if (xhr.responseURL) window.history.replaceState(null, "", xhr.responseURL);
      document.open();
      document.write(xhr.responseText);
      document.close();
    });
    function failed() {
      buttons(false);
      inner.style.width = "0%";
      label.textContent = form.dataset.failedText;
      bar.classList.add("text-danger");
    }
    xhr.addEventListener("error", failed);
    xhr.addEventListener("abort", failed);
    xhr.addEventListener("timeout", failed);
    xhr.open("POST", form.getAttribute("action") || window.location.href);
    xhr.send(data);
  });
})();
