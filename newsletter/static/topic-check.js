// Settings -> Topics: while an admin edits a topic's keywords, show which items of the latest
// issue they would suggest the topic for, and why. Nothing is saved; the "Check" button does
// the same without scripts. Text is set with textContent only, never parsed as HTML.
(function () {
  "use strict";
  var form = document.getElementById("topic-form");
  var box = document.getElementById("live-check");
  if (!form || !box) {
    return;
  }
  var keywords = form.querySelector("textarea[name=keywords]");
  var token = form.querySelector("input[name=csrf_token]");
  var list = box.querySelector("[data-field=matches]");
  var none = box.querySelector("[data-field=none]");
  var error = box.querySelector("[data-field=error]");
  var issue = box.querySelector("[data-field=issue]");
  var timer = null;

  function show(result) {
    box.hidden = false;
    list.replaceChildren();
    error.hidden = !result.error;
    error.textContent = result.error || "";
    issue.textContent = result.issue || "";
    var matches = result.matches || [];
    none.hidden = Boolean(result.error) || matches.length > 0;
    matches.forEach(function (match) {
      var item = document.createElement("li");
      var title = document.createElement("strong");
      title.textContent = match.title;
      var why = document.createElement("span");
      why.className = "why";
      why.textContent = " " + list.dataset.matchedLabel + " " + match.matched.join(", ");
      item.append(title, why);
      list.append(item);
    });
  }

  function check() {
    var body = new FormData();
    body.append("keywords", keywords.value);
    fetch(form.dataset.checkUrl, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": token.value },
    })
      .then(function (response) {
        return response.json();
      })
      .then(show)
      .catch(function () {
        box.hidden = true;
      });
  }

  keywords.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(check, 400);
  });
  check();
})();
