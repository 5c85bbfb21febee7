// The weights panel: the reader moves criterion weights; ranking, totals, bars and winner follow.
// Reads only the JSON block #weights-data in this page; makes no request; allowed by its CSP hash.
(function () {
  "use strict";
  var source = document.getElementById("weights-data");
  var panel = document.getElementById("weights-panel");
  if (!source || !panel) { return; }
  var data = JSON.parse(source.textContent);
  var inputs = {};
  var body = panel.querySelector("#weights-ranking tbody");
  var winner = panel.querySelector("#weights-winner");
  var sum = panel.querySelector("#weights-sum");

  function weights() {
    var raw = data.criteria.map(function (c) { return Math.max(0, Number(inputs[c.id].number.value) || 0); });
    var total = raw.reduce(function (a, b) { return a + b; }, 0);
    sum.textContent = String(Math.round(total * 10) / 10);
    return raw.map(function (w) { return total > 0 ? w / total : 0; });
  }

  function scored(shares) {
    return data.candidates.map(function (candidate) {
      var parts = data.criteria.map(function (c, i) {
        var value = candidate.values[c.id];
        return value === null || value === undefined ? null : value * shares[i];
      });
      var complete = parts.every(function (p) { return p !== null; });
      var total = parts.reduce(function (a, p) { return a + (p || 0); }, 0);
      return { name: candidate.name, knocked_out: candidate.knocked_out, parts: parts, total: total, complete: complete };
    });
  }

  function order(a, b) {
    var ka = a.knocked_out || !a.complete ? 1 : 0;
    var kb = b.knocked_out || !b.complete ? 1 : 0;
    if (ka !== kb) { return ka - kb; }
    return b.total - a.total || (a.name < b.name ? -1 : 1);
  }

  function cell(text, className) {
    var td = document.createElement("td");
    if (className) { td.className = className; }
    td.textContent = text;
    return td;
  }

  function bar(row) {
    var td = document.createElement("td");
    var outer = document.createElement("div");
    outer.className = "wbar";
    row.parts.forEach(function (part, i) {
      var span = document.createElement("span");
      span.style.width = Math.max(0, part || 0).toFixed(2) + "%";
      span.style.background = data.criteria[i].colour;
      span.title = data.criteria[i].label + ": " + (part === null ? "missing" : part.toFixed(1));
      outer.appendChild(span);
    });
    td.appendChild(outer);
    return td;
  }

  function update() {
    var shares = weights();
    data.criteria.forEach(function (c, i) { inputs[c.id].share.textContent = (shares[i] * 100).toFixed(1) + "%"; });
    var rows = scored(shares).sort(order);
    body.textContent = "";
    rows.forEach(function (row, i) {
      var tr = document.createElement("tr");
      tr.appendChild(cell(String(i + 1), "num"));
      tr.appendChild(cell(row.name, "candidate-name"));
      tr.appendChild(cell(row.complete ? row.total.toFixed(1) : "incomplete", "num"));
      tr.appendChild(bar(row));
      tr.appendChild(cell(row.knocked_out ? "knocked out" : row.complete ? "" : "a value is missing"));
      body.appendChild(tr);
    });
    var best = rows.filter(function (r) { return !r.knocked_out && r.complete; })[0];
    winner.textContent = best ? best.name : "none (every candidate is knocked out or incomplete)";
    panel.classList.toggle("changed", !!best && best.name !== data.winner);
  }

  data.criteria.forEach(function (c) {
    var row = panel.querySelector('[data-criterion="' + c.id + '"]');
    var entry = { number: row.querySelector("input[type=number]"), range: row.querySelector("input[type=range]"),
      share: row.querySelector(".share") };
    entry.number.addEventListener("input", function () { entry.range.value = entry.number.value; update(); });
    entry.range.addEventListener("input", function () { entry.number.value = entry.range.value; update(); });
    inputs[c.id] = entry;
  });
  panel.querySelector("#weights-reset").addEventListener("click", function () {
    data.criteria.forEach(function (c) { inputs[c.id].number.value = inputs[c.id].range.value = c.weight; });
    update();
  });
  panel.hidden = false;
  update();
})();
