/* The operators' dashboard: draws the charts described in data-chart attributes and polls
   a sending campaign's progress. Served as a file (the CSP allows no inline script). */
(function () {
  "use strict";

  function cssVar(name, fallback) {
    var value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return value || fallback;
  }

  function palette() {
    return {
      primary: cssVar("--accent", "#1a5fd0"),
      secondary: cssVar("--ok", "#137333"),
      good: cssVar("--ok", "#137333"),
      machine: cssVar("--muted", "#5d6b7c"),
      muted: "#a7b1bd",
      alarm: cssVar("--danger", "#b42318"),
      limit: cssVar("--warn", "#9a6700")
    };
  }

  function datasetConfig(spec, dataset, colours) {
    var colour = colours[dataset.role] || colours.primary;
    var config = {
      label: dataset.label,
      data: dataset.data,
      borderColor: colour,
      backgroundColor: colour,
      borderWidth: spec.kind === "line" ? 2 : 0,
      pointRadius: spec.kind === "line" ? 1.5 : 0,
      spanGaps: true
    };
    if (dataset.role === "alarm" || dataset.role === "limit" || dataset.role === "machine") {
      if (spec.kind === "line") {
        config.borderDash = dataset.role === "machine" ? [2, 3] : [6, 4];
        config.pointRadius = 0;
      }
    }
    if (dataset.stack) { config.stack = dataset.stack; }
    return config;
  }

  function axisTicks(spec) {
    if (spec.unit !== "percent") { return {}; }
    return { callback: function (value) { return value + "%"; } };
  }

  function chartConfig(spec) {
    var colours = palette();
    var horizontal = spec.kind === "hbar";
    var valueAxis = horizontal ? "x" : "y";
    var scales = { x: { ticks: {} }, y: { ticks: {} } };
    scales[valueAxis].ticks = axisTicks(spec);
    scales[valueAxis].beginAtZero = true;
    if (spec.yTitle) { scales[valueAxis].title = { display: true, text: spec.yTitle }; }
    if (spec.xTitle) { scales[horizontal ? "y" : "x"].title = { display: true, text: spec.xTitle }; }
    return {
      type: spec.kind === "line" ? "line" : "bar",
      data: {
        labels: spec.labels,
        datasets: spec.datasets.map(function (d) { return datasetConfig(spec, d, colours); })
      },
      options: {
        indexAxis: horizontal ? "y" : "x",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        plugins: {
          legend: { display: spec.datasets.length > 1, position: "bottom" },
          tooltip: spec.unit === "percent" ? {
            callbacks: { label: function (item) { return item.dataset.label + ": " + item.formattedValue + "%"; } }
          } : {}
        },
        scales: scales
      }
    };
  }

  function drawCharts() {
    if (typeof window.Chart === "undefined") {
      document.documentElement.setAttribute("data-charts", "missing-library");
      return;
    }
    var canvases = document.querySelectorAll("canvas[data-chart]");
    var drawn = 0;
    Array.prototype.forEach.call(canvases, function (canvas) {
      try {
        new window.Chart(canvas, chartConfig(JSON.parse(canvas.getAttribute("data-chart"))));
        canvas.setAttribute("data-drawn", "yes");
        drawn += 1;
      } catch (error) {
        canvas.setAttribute("data-drawn", "error");
        if (window.console) { window.console.error("chart failed", error); }
      }
    });
    document.documentElement.setAttribute("data-charts", String(drawn));
  }

  function formatField(element, value) {
    if (value === null || value === undefined || value === "") { return "–"; }
    if (element.getAttribute("data-unit") === "duration") {
      return Math.round(value / 60) + " min";
    }
    return typeof value === "number" ? value.toLocaleString() : String(value);
  }

  function pollProgress() {
    var card = document.getElementById("progress");
    if (!card || card.getAttribute("data-poll") !== "on") { return; }
    var url = card.getAttribute("data-progress-url");
    function update() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (!data) { return; }
          card.querySelectorAll("[data-field]").forEach(function (element) {
            var key = element.getAttribute("data-field");
            if (key in data) { element.textContent = formatField(element, data[key]); }
          });
          var bar = document.getElementById("progress-bar");
          if (bar) { bar.value = data.fraction; }
          var badge = document.getElementById("status-badge");
          if (badge) { badge.textContent = data.status; }
          if (["sending", "paused", "scheduled"].indexOf(data.status) >= 0) {
            window.setTimeout(update, 5000);
          }
        })
        .catch(function () { window.setTimeout(update, 15000); });
    }
    window.setTimeout(update, 5000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    drawCharts();
    pollProgress();
  });
})();
