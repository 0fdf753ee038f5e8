// The dispatch board's drag and drop: a card of unscheduled work dropped on a technician's day
// fills the schedule form below the board (work, technician, day) and sends it, so dragging and
// the form are one path on the server (refusals come back the same way: weekend, skill, overlap).
// The form is sent with HTMX, which swaps the board in place; the cards are wired again then.
(function () {
  "use strict";
  var dragged = null;

  function wire() {
    var form = document.getElementById("schedule-form");
    if (!form || form.getAttribute("data-drag") === "ready") return;
    form.setAttribute("data-drag", "ready");  // the board can be dragged on (tests look for it)

    Array.prototype.forEach.call(document.querySelectorAll("[draggable=true][data-target]"), function (card) {
      card.addEventListener("dragstart", function (event) {
        dragged = card.getAttribute("data-target");
        event.dataTransfer.effectAllowed = "move";
        event.dataTransfer.setData("text/plain", dragged);
      });
      card.addEventListener("dragend", function () { dragged = null; });
    });

    Array.prototype.forEach.call(document.querySelectorAll("[data-drop]"), function (cell) {
      cell.addEventListener("dragover", function (event) {
        event.preventDefault();
        cell.classList.add("over");
      });
      cell.addEventListener("dragleave", function () { cell.classList.remove("over"); });
      cell.addEventListener("drop", function (event) {
        event.preventDefault();
        cell.classList.remove("over");
        var target = dragged || event.dataTransfer.getData("text/plain");
        if (!target) return;
        form.elements.target.value = target;
        form.elements.technician_id.value = cell.getAttribute("data-technician");
        form.elements.day.value = cell.getAttribute("data-day");
        if (form.requestSubmit) form.requestSubmit(); else form.submit();
      });
    });
  }

  wire();
  document.body.addEventListener("htmx:afterSettle", wire);
})();
