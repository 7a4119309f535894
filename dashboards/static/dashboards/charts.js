/* Atlante dashboards: line charts drawn from the tables of the page.
 *
 * A table with data-chart="line" is the chart's data and its accessible equivalent: the
 * rows are the x axis (months), each numeric column a line. A hidden cell ("<5", "n.d.")
 * has an empty data-value and is plotted as a gap, never as a number. Lines differ by
 * dash pattern and point shape as well as colour, so the chart reads without colour.
 * Uses the vendored Chart.js (window.Chart); without it the table alone stays.
 */
(function () {
  "use strict";

  var COLOURS = ["#1b6ca8", "#c0392b", "#2e7d32", "#8e44ad", "#b9770e", "#34495e"];
  var DASHES = [[], [6, 4], [2, 3], [10, 4, 2, 4], [1, 1], [12, 6]];
  var POINTS = ["circle", "rect", "triangle", "rectRot", "cross", "star"];

  function text(node) {
    return (node.textContent || "").replace(/\s+/g, " ").trim();
  }

  function readTable(table) {
    var headings = Array.prototype.slice.call(table.querySelectorAll("thead th.num"));
    var rows = Array.prototype.slice.call(table.querySelectorAll("tbody tr"));
    var labels = rows.map(function (row) {
      var th = row.querySelector("th");
      return th ? text(th) : "";
    });
    var datasets = headings.map(function (heading, index) {
      var data = rows.map(function (row) {
        var cell = row.querySelectorAll("td")[index];
        var raw = cell ? cell.getAttribute("data-value") : "";
        return raw === "" || raw === null ? null : Number(raw);
      });
      return {
        label: text(heading),
        data: data,
        borderColor: COLOURS[index % COLOURS.length],
        backgroundColor: COLOURS[index % COLOURS.length],
        borderDash: DASHES[index % DASHES.length],
        pointStyle: POINTS[index % POINTS.length],
        pointRadius: 3,
        borderWidth: 2,
        spanGaps: false,
        tension: 0
      };
    });
    return { labels: labels, datasets: datasets };
  }

  function draw(container) {
    var figure = document.getElementById(container.getAttribute("data-chart-for"));
    var table = figure && figure.querySelector("table[data-chart='line']");
    var canvas = container.querySelector("canvas");
    if (!table || !canvas || typeof window.Chart === "undefined") {
      return;
    }
    container.hidden = false;
    var chart = new window.Chart(canvas, {
      type: "line",
      data: readTable(table),
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        plugins: {
          legend: { labels: { usePointStyle: true } },
          tooltip: {
            callbacks: {
              label: function (item) {
                var value = item.raw === null ? "<5 / n.d." : item.formattedValue;
                return item.dataset.label + ": " + value;
              }
            }
          }
        },
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } }
      }
    });
    container.atlanteChart = chart;
  }

  function init() {
    var containers = document.querySelectorAll("[data-chart-for]");
    Array.prototype.forEach.call(containers, draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
