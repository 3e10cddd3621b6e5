// Polls an import job's progress and reloads the page once it has finished, so the
// line-by-line report is rendered by the server. No inline script: the CSP allows only files.
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box || box.dataset.finished === "yes") {
    return;
  }
  var url = box.dataset.statusUrl;
  var bar = document.getElementById("job-progress");
  var badge = document.getElementById("job-status");

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("status " + response.status);
        }
        return response.json();
      })
      .then(function (state) {
        bar.value = state.percent;
        bar.textContent = state.percent + "%";
        badge.textContent = state.status;
        if (state.finished) {
          window.location.reload();
        } else {
          window.setTimeout(poll, 1000);
        }
      })
      .catch(function () {
        window.setTimeout(poll, 5000);
      });
  }
  window.setTimeout(poll, 500);
})();
