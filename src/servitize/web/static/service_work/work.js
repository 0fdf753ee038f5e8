// A work order on the phone on a flaky connection (the lead report's way, field/report.js):
// every update (status, checklist, time, part, note, photo) goes into a queue kept on the
// phone (localStorage) and is sent in order; when sending fails the queue is kept and sent
// again until the server has it. A client key sent with each update makes a resend of an
// update that did arrive harmless.
(function () {
  "use strict";
  var root = document.querySelector(".work[data-work]");
  if (!root) return;
  var KEY = "servitize.work-queue";
  var status = document.getElementById("work-status-line");
  var retryTimer = null;
  var attempt = 0;
  var sending = false;

  function newKey() {
    var bytes = new Uint8Array(12);
    (window.crypto || window.msCrypto).getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function say(text, kind) {
    if (!status) return;
    status.textContent = text;
    status.className = "status" + (kind ? " " + kind : "");
  }

  function load() {
    try { return JSON.parse(localStorage.getItem(KEY) || "[]"); } catch (e) { return []; }
  }

  function store(queue) {
    try { localStorage.setItem(KEY, JSON.stringify(queue)); } catch (e) { /* full: sent now or lost on reload */ }
  }

  function scheduleRetry() {
    attempt += 1;
    var wait = Math.min(30, Math.pow(2, attempt));
    var n = load().length;
    say("No connection — " + n + " update" + (n === 1 ? " is" : "s are") + " kept on this phone. Trying again in " + wait + " s…", "offline");
    clearTimeout(retryTimer);
    retryTimer = setTimeout(flush, wait * 1000);
  }

  function flush() {
    if (sending) return;
    var queue = load();
    if (!queue.length) return;
    sending = true;
    clearTimeout(retryTimer);
    var item = queue[0];
    var body = new FormData();
    Object.keys(item.fields).forEach(function (name) { body.append(name, item.fields[name]); });
    say("Sending…", "");
    fetch(item.action, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-Requested-With": "fetch", "X-CSRF-Token": item.fields.csrf_token || "", "Accept": "application/json" }
    }).then(function (response) {
      if (response.status >= 500 || response.status === 408 || response.status === 429) {
        throw new Error("server " + response.status);
      }
      return response.json().then(function (answer) { return { status: response.status, answer: answer }; });
    }).then(function (result) {
      sending = false;
      var rest = load().slice(1);
      store(rest);
      attempt = 0;
      if (result.answer && result.answer.ok) {
        if (rest.length) { flush(); return; }
        say("Saved.", "ok");
        window.location.assign(result.answer.redirect);
        return;
      }
      if (result.status === 401) {
        store([item].concat(rest));  // kept: sent again after logging in
        say("Your session ended. Log in again — the update is kept on this phone.", "error");
        return;
      }
      say((result.answer && result.answer.detail) || "The server did not accept the update.", "error");
      if (rest.length) flush();
    }).catch(function () {
      sending = false;
      scheduleRetry();
    });
  }

  function enqueue(form, fields) {
    var queue = load();
    queue.push({ action: form.getAttribute("action"), fields: fields });
    store(queue);
    attempt = 0;
    flush();
  }

  function fieldsOf(form) {
    var data = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.type === "file" || el.disabled) return;
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) return;
      data[el.name] = el.value;
    });
    data.client_key = newKey();
    return data;
  }

  function shrink(file, done) {
    // A phone photo (several MB) becomes a small JPEG so it fits the queue on the phone.
    var reader = new FileReader();
    reader.onload = function () {
      var img = new Image();
      img.onload = function () {
        var scale = Math.min(1, 1280 / Math.max(img.width, img.height));
        var canvas = document.createElement("canvas");
        canvas.width = Math.round(img.width * scale);
        canvas.height = Math.round(img.height * scale);
        canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
        done(canvas.toDataURL("image/jpeg", 0.7));
      };
      img.onerror = function () { done(reader.result); };
      img.src = reader.result;
    };
    reader.readAsDataURL(file);
  }

  Array.prototype.forEach.call(document.querySelectorAll("form.offline"), function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!form.reportValidity()) return;
      var fields = fieldsOf(form);
      var file = form.querySelector("input[type=file]");
      if (file && file.files && file.files[0]) {
        shrink(file.files[0], function (dataUrl) { fields.photo_data = dataUrl; enqueue(form, fields); });
      } else {
        enqueue(form, fields);
      }
    });
  });

  var waiting = load().length;
  if (waiting) {
    say(waiting + " update" + (waiting === 1 ? " was" : "s were") + " not sent yet. Sending now…", "offline");
    setTimeout(flush, 300);
  }
  window.addEventListener("online", flush);
})();
