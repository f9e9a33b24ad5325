// KVM fleet report: inflates each host's diagram as it nears the viewport, and searches every object
// (VM, MAC, address, any name). Data blocks are gzip + base64 (see fleet_page.packed).
(function () {
  "use strict";
  var input = document.getElementById("q");
  var results = document.getElementById("results");
  var data = {hosts: [], nodes: []};
  var inflating = {};
  var lit = [];

  function unpack(block) {
    var bytes = Uint8Array.from(atob(block.textContent), function (c) { return c.charCodeAt(0); });
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).text();
  }

  function inflate(host) {
    if (!inflating[host]) {
      var box = document.getElementById("d" + host);
      var block = box ? box.querySelector("script") : null;
      inflating[host] = block ? unpack(block).then(function (svg) {
        box.innerHTML = svg;
        box.classList.add("ready");
      }) : Promise.resolve();
    }
    return inflating[host];
  }

  var observer = new IntersectionObserver(function (entries) {
    entries.forEach(function (entry) {
      if (entry.isIntersecting) {
        observer.unobserve(entry.target);
        inflate(Number(entry.target.id.slice(1)));
      }
    });
  }, {rootMargin: "600px"});
  document.querySelectorAll(".diagram").forEach(function (box) { observer.observe(box); });

  function describe(row) {
    var owner = row[4] && row[4] !== row[3] ? " of VM " + row[4] : "";
    return data.hosts[row[0]] + ": " + row[2] + " " + row[3] + owner;
  }

  function light(row) {
    return inflate(row[0]).then(function () {
      var el = document.getElementById("h" + row[0] + "-n" + row[1]);
      if (el) { el.classList.add("hit"); lit.push(el); }
      return el;
    });
  }

  function search() {
    var needle = input.value.trim().toLowerCase();
    lit.forEach(function (el) { el.classList.remove("hit"); });
    lit = [];
    results.textContent = "";
    if (needle.length < 2) { return; }
    var found = data.nodes.filter(function (row) {
      return row[5].indexOf(needle) >= 0 || row[3].toLowerCase().indexOf(needle) >= 0;
    });
    found.slice(0, 50).forEach(function (row) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = "#h" + row[0];
      link.textContent = describe(row);
      link.addEventListener("click", function (event) {
        event.preventDefault();
        light(row).then(function (el) {
          if (el) { el.scrollIntoView({block: "center", inline: "center"}); }
        });
      });
      item.appendChild(link);
      results.appendChild(item);
      light(row);
    });
    if (found.length > 50) {
      var more = document.createElement("li");
      more.textContent = (found.length - 50) + " more";
      results.appendChild(more);
    }
    if (!found.length) {
      results.textContent = "nothing found";
    }
  }

  input.addEventListener("input", search);
  unpack(document.getElementById("index")).then(function (text) {
    data = JSON.parse(text);
    document.body.classList.add("indexed");
    // The browser's own timing of when the page can search (the benchmark reads it).
    performance.mark("report-indexed");
    search();
  });
}());
