// pitstop serve: the live log of a run (server-sent events) and typed confirmations.
// No inline script anywhere: the page's CSP allows only scripts from /static.
(function () {
  "use strict";

  function logBoxes(section) {
    var boxes = new Map();
    section.querySelectorAll(".log").forEach(function (box) {
      boxes.set(box.dataset.task + "\u0000" + box.dataset.attempt, box.querySelector("pre"));
    });
    return boxes;
  }

  function addBox(section, boxes, task, attempt) {
    var box = document.createElement("div");
    box.className = "log";
    box.dataset.task = task;
    box.dataset.attempt = String(attempt);
    var title = document.createElement("h3");
    title.textContent = attempt > 1 ? task + " (attempt " + attempt + ")" : task;
    var pre = document.createElement("pre");
    box.appendChild(title);
    box.appendChild(pre);
    section.appendChild(box);
    boxes.set(task + "\u0000" + attempt, pre);
    return pre;
  }

  function follow(section) {
    var boxes = logBoxes(section);
    var state = document.getElementById("live-state");
    var source = new EventSource(section.dataset.events);
    var changed = function () { document.body.dispatchEvent(new Event("run-changed")); };

    source.addEventListener("reset", function () {
      boxes.forEach(function (pre) { pre.textContent = ""; });
    });
    source.addEventListener("log", function (message) {
      var data = JSON.parse(message.data);
      var key = data.task + "\u0000" + data.attempt;
      var pre = boxes.get(key) || addBox(section, boxes, data.task, data.attempt);
      var atBottom = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
      pre.textContent += data.lines.join("\n") + "\n";
      if (atBottom) { pre.scrollTop = pre.scrollHeight; }
    });
    source.addEventListener("task", changed);
    source.addEventListener("end", function (message) {
      var data = JSON.parse(message.data);
      source.close();
      section.dataset.ended = data.status;
      if (state) {
        state.textContent = data.status;
        state.className = "badge " + (data.status === "success" ? "ok" : "bad");
      }
      changed();
    });
  }

  function confirmations() {
    document.querySelectorAll("input[data-expect]").forEach(function (input) {
      var button = input.form && input.form.querySelector("[data-confirmed]");
      if (!button) { return; }
      var check = function () { button.disabled = input.value.trim() !== input.dataset.expect; };
      input.addEventListener("input", check);
      check();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-events]").forEach(follow);
    confirmations();
  });
}());
