// KVM fleet report: search (VM, MAC, address, any object's name) and a detail panel per node.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("index").textContent);
  var byId = {};
  data.nodes.forEach(function (row) { byId[row[1]] = row; });
  var input = document.getElementById("q");
  var results = document.getElementById("results");
  var detail = document.getElementById("detail");
  var lit = [];

  function describe(row) {
    var owner = row[4] && row[4] !== row[3] ? " of VM " + row[4] : "";
    return data.hosts[row[0]] + ": " + row[2] + " " + row[3] + owner;
  }

  function unlight() {
    lit.forEach(function (el) { el.classList.remove("hit"); });
    lit = [];
  }

  function search() {
    var needle = input.value.trim().toLowerCase();
    unlight();
    results.textContent = "";
    if (needle.length < 2) { return; }
    var found = data.nodes.filter(function (row) {
      return row[5].indexOf(needle) >= 0 || row[3].toLowerCase().indexOf(needle) >= 0;
    });
    found.slice(0, 50).forEach(function (row) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = "#" + row[1];
      link.textContent = describe(row);
      link.addEventListener("click", function (event) {
        event.preventDefault();
        var el = document.getElementById(row[1]);
        if (el) { el.scrollIntoView({block: "center", inline: "center"}); }
        show(row);
      });
      item.appendChild(link);
      results.appendChild(item);
      var el = document.getElementById(row[1]);
      if (el) { el.classList.add("hit"); lit.push(el); }
    });
    if (found.length > 50) {
      var more = document.createElement("li");
      more.textContent = (found.length - 50) + " more";
      results.appendChild(more);
    }
  }

  function show(row) {
    detail.textContent = describe(row) + "\n" + row[6].join("\n");
    detail.style.display = "block";
  }

  input.addEventListener("input", search);
  document.addEventListener("click", function (event) {
    var node = event.target.closest ? event.target.closest("g.node") : null;
    if (node && byId[node.id]) { show(byId[node.id]); }
    else if (!detail.contains(event.target)) { detail.style.display = "none"; }
  });
}());
