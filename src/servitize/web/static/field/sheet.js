// The sign-up sheet on the phone: ticks update the total, the customer draws a signature on a
// canvas (pointer events: finger, pen or mouse), which is sent as a PNG data URL.
(function () {
  "use strict";
  var form = document.getElementById("sign-form");
  if (!form) return;
  var canvas = document.getElementById("signature-pad");
  var field = document.getElementById("signature");
  var total = document.getElementById("sheet-total");
  var status = document.getElementById("sign-status");
  var currency = form.getAttribute("data-currency") || "";
  var ctx = canvas.getContext("2d");
  var drawing = false;
  var strokes = 0;
  var last = null;

  function fit() {
    var ratio = window.devicePixelRatio || 1;
    var rect = canvas.getBoundingClientRect();
    canvas.width = Math.round(rect.width * ratio);
    canvas.height = Math.round(rect.height * ratio);
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.lineWidth = 2.4;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.strokeStyle = "#17212b";
    strokes = 0;
    field.value = "";
  }

  function point(event) {
    var rect = canvas.getBoundingClientRect();
    return { x: event.clientX - rect.left, y: event.clientY - rect.top };
  }

  canvas.addEventListener("pointerdown", function (event) {
    event.preventDefault();
    canvas.setPointerCapture(event.pointerId);
    drawing = true;
    last = point(event);
    ctx.beginPath();
    ctx.arc(last.x, last.y, 1.1, 0, 2 * Math.PI);
    ctx.fillStyle = ctx.strokeStyle;
    ctx.fill();
  });
  canvas.addEventListener("pointermove", function (event) {
    if (!drawing) return;
    event.preventDefault();
    var p = point(event);
    ctx.beginPath();
    ctx.moveTo(last.x, last.y);
    ctx.lineTo(p.x, p.y);
    ctx.stroke();
    last = p;
  });
  function end() {
    if (!drawing) return;
    drawing = false;
    strokes += 1;
    field.value = canvas.toDataURL("image/png");
  }
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);
  canvas.addEventListener("pointerleave", end);
  document.getElementById("pad-clear").addEventListener("click", function () {
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    strokes = 0;
    field.value = "";
  });

  // The same amounts as the lines, the PDF and the signed total: cents, two decimals, and one
  // sum per currency (the screen converts nothing; docs/money.md).
  function sum() {
    var cents = {};
    var order = [];
    Array.prototype.forEach.call(form.querySelectorAll("input[name=line_ids]"), function (box) {
      if (!box.checked) return;
      var cur = box.getAttribute("data-currency") || currency;
      if (!(cur in cents)) { cents[cur] = 0; order.push(cur); }
      cents[cur] += Math.round((parseFloat(box.getAttribute("data-price")) || 0) * 100);
    });
    if (!order.length) { cents[currency] = 0; order.push(currency); }
    total.textContent = order.map(function (cur) {
      return (cents[cur] / 100).toLocaleString("en", { minimumFractionDigits: 2,
        maximumFractionDigits: 2 }) + " " + cur;
    }).join(" + ");
  }
  form.addEventListener("change", sum);

  form.addEventListener("submit", function (event) {
    var ticked = form.querySelectorAll("input[name=line_ids]:checked").length;
    if (!ticked) {
      event.preventDefault();
      status.textContent = "Tick at least one activity.";
      status.className = "status error";
      return;
    }
    if (!strokes || !field.value) {
      event.preventDefault();
      status.textContent = "Please sign in the box above.";
      status.className = "status error";
    }
  });

  fit();
  sum();
  window.addEventListener("resize", function () { if (!strokes) fit(); });
})();
