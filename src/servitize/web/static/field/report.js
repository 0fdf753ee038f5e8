// The lead report on a flaky connection: the form keeps its content on the phone
// (localStorage) and, when sending fails, keeps it and retries until the server has it.
// A client key sent with the report makes a retry of a report that did arrive harmless.
(function () {
  "use strict";
  var form = document.getElementById("lead-report");
  if (!form) return;
  var KEY = form.getAttribute("data-draft") || "servitize.lead-report";
  var status = document.getElementById("report-status");
  var button = form.querySelector("button[type=submit]");
  var keyField = document.getElementById("client_key");
  var photoInput = document.getElementById("photo");
  var photoData = document.getElementById("photo_data");
  var preview = document.getElementById("photo_preview");
  var retryTimer = null;
  var attempt = 0;
  var sending = false;

  function newKey() {
    var bytes = new Uint8Array(12);
    (window.crypto || window.msCrypto).getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function say(text, kind) {
    status.textContent = text;
    status.className = "status" + (kind ? " " + kind : "");
  }

  function snapshot() {
    var data = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "csrf_token" || el.type === "file") return;
      if ((el.type === "radio" || el.type === "checkbox")) { if (el.checked) data[el.name] = el.value; return; }
      data[el.name] = el.value;
    });
    return data;
  }

  function save(pending) {
    var data = snapshot();
    data._pending = !!pending;
    try { localStorage.setItem(KEY, JSON.stringify(data)); } catch (e) { /* storage full: the form still works */ }
  }

  function restore() {
    var raw = null;
    try { raw = localStorage.getItem(KEY); } catch (e) { return null; }
    if (!raw) return null;
    var data;
    try { data = JSON.parse(raw); } catch (e) { return null; }
    Object.keys(data).forEach(function (name) {
      if (name.charAt(0) === "_") return;
      var els = form.elements[name];
      if (!els) return;
      if (els.length !== undefined && els.tagName !== "SELECT") {
        Array.prototype.forEach.call(els, function (el) { el.checked = el.value === data[name]; });
      } else if (name === "asset_id" && els.tagName === "SELECT") {
        // the options of another account arrive with HTMX; remember the choice until then
        els.setAttribute("data-want", data[name]);
        els.value = data[name];
      } else {
        els.value = data[name];
      }
    });
    if (data.photo && preview) { preview.src = data.photo; preview.hidden = false; }
    return data;
  }

  function clear() {
    try { localStorage.removeItem(KEY); } catch (e) { /* nothing to clear */ }
  }

  function scheduleRetry() {
    attempt += 1;
    var wait = Math.min(30, Math.pow(2, attempt));
    say("No connection — the lead is kept on this phone. Trying again in " + wait + " s…", "offline");
    clearTimeout(retryTimer);
    retryTimer = setTimeout(send, wait * 1000);
  }

  function send() {
    if (sending) return;
    sending = true;
    clearTimeout(retryTimer);
    button.disabled = true;
    say("Sending…", "");
    var body = new FormData(form);
    var token = form.elements.csrf_token ? form.elements.csrf_token.value : "";
    fetch(form.action, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-Requested-With": "fetch", "X-CSRF-Token": token, "Accept": "application/json" }
    }).then(function (response) {
      if (response.status >= 500 || response.status === 0 || response.status === 408 || response.status === 429) {
        throw new Error("server " + response.status);
      }
      return response.json().then(function (answer) { return { status: response.status, answer: answer }; });
    }).then(function (result) {
      sending = false;
      if (result.answer && result.answer.ok) {
        clear();
        say("Sent.", "ok");
        window.location.assign(result.answer.redirect);
        return;
      }
      button.disabled = false;
      save(false);
      say((result.answer && result.answer.detail) || "The server did not accept the report.", "error");
      if (result.status === 401 || result.status === 403) {
        say("Your session ended. Log in again — the lead is kept on this phone.", "error");
      }
    }).catch(function () {
      sending = false;
      button.disabled = false;
      save(true);
      scheduleRetry();
    });
  }

  function shrink(file) {
    // A phone photo (several MB) becomes a small JPEG so it fits the form and localStorage.
    var reader = new FileReader();
    reader.onload = function () {
      var img = new Image();
      img.onload = function () {
        var scale = Math.min(1, 800 / Math.max(img.width, img.height));
        var canvas = document.createElement("canvas");
        canvas.width = Math.round(img.width * scale);
        canvas.height = Math.round(img.height * scale);
        canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
        photoData.value = canvas.toDataURL("image/jpeg", 0.6);
        preview.src = photoData.value;
        preview.hidden = false;
        save(false);
      };
      img.src = reader.result;
    };
    reader.readAsDataURL(file);
  }

  var draft = restore();
  if (!keyField.value) keyField.value = (draft && draft.client_key) || newKey();
  if (draft && draft._pending) {
    say("A lead was not sent yet. Sending it now…", "offline");
    setTimeout(send, 300);
  }
  form.addEventListener("input", function () { save(false); });
  form.addEventListener("change", function () { save(false); });
  document.body.addEventListener("htmx:afterSwap", function (event) {
    var select = event.target;
    if (select && select.id === "asset_id" && select.getAttribute("data-want")) {
      select.value = select.getAttribute("data-want");
      select.removeAttribute("data-want");
    }
  });
  if (photoInput) {
    photoInput.addEventListener("change", function () {
      if (photoInput.files && photoInput.files[0]) shrink(photoInput.files[0]);
    });
  }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!form.reportValidity()) return;
    save(true);
    attempt = 0;
    send();
  });
  window.addEventListener("online", function () {
    var raw = null;
    try { raw = localStorage.getItem(KEY); } catch (e) { return; }
    if (raw && JSON.parse(raw)._pending) send();
  });
})();
