/* CoreESIM staff pages: the live import progress bar. Loaded from a file (strict CSP). */
(function () {
  "use strict";

  function poll(box) {
    var url = box.getAttribute("data-progress-url");
    var bar = box.querySelector("progress");
    var label = box.querySelector("[data-progress-label]");
    var delay = parseInt(box.getAttribute("data-progress-interval") || "1000", 10);

    function show(data) {
      bar.max = data.total > 0 ? data.total : 1;
      bar.value = data.done;
      bar.setAttribute("aria-valuenow", String(data.percent));
      label.textContent = data.percent + " % · " + data.done + " / " + data.total + " lines · " +
        data.status_label + (data.errors ? " · " + data.errors + " errors" : "");
      box.setAttribute("data-percent", String(data.percent));
      box.setAttribute("data-status", data.status);
    }

    function tick() {
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
        .then(function (data) {
          show(data);
          if (data.finished) {
            box.setAttribute("data-finished", "true");
            var result = document.querySelector("[data-progress-result]");
            if (result && data.result_html_url) {
              fetch(data.result_html_url, { credentials: "same-origin" })
                .then(function (r) { return r.text(); })
                .then(function (html) { result.innerHTML = html; });
            }
            return;
          }
          window.setTimeout(tick, delay);
        })
        .catch(function () { window.setTimeout(tick, delay * 3); });
    }
    tick();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var boxes = document.querySelectorAll("[data-progress-url]");
    for (var i = 0; i < boxes.length; i++) {
      if (boxes[i].getAttribute("data-finished") !== "true") { poll(boxes[i]); }
    }
  });
})();
