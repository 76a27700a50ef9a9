// The entity page's neighbourhood graph: Cytoscape.js over /graph/<id>.json.
// A static file, not inline script, so the Content-Security-Policy can forbid inline code.
(function () {
  "use strict";
  var box = document.getElementById("graph");
  if (!box || typeof cytoscape !== "function") {
    return;
  }
  // Okabe-Ito colours; a shape per type as well, so colour is never the only cue.
  var looks = {
    actor: ["#E69F00", "ellipse"],
    wallet: ["#56B4E9", "diamond"],
    casino: ["#009E73", "rectangle"],
    country: ["#0072B2", "hexagon"],
    amount: ["#F0E442", "triangle"],
    other: ["#999999", "round-rectangle"]
  };
  function look(node, index) {
    var entry = looks[node.data("type")] || looks.other;
    return entry[index];
  }
  fetch(box.getAttribute("data-src"), { credentials: "same-origin" })
    .then(function (response) {
      if (!response.ok) {
        throw new Error("no graph");
      }
      return response.json();
    })
    .then(function (graph) {
      var cy = cytoscape({
        container: box,
        elements: graph.elements,
        minZoom: 0.2,
        maxZoom: 2.5,
        style: [
          {
            selector: "node",
            style: {
              "background-color": function (n) { return look(n, 0); },
              shape: function (n) { return look(n, 1); },
              label: "data(label)",
              "font-size": 11,
              "text-valign": "bottom",
              "text-margin-y": 4,
              "text-wrap": "ellipsis",
              "text-max-width": 140,
              "border-width": 1,
              "border-color": "#222",
              width: 22,
              height: 22
            }
          },
          { selector: "node[?center]", style: { width: 34, height: 34, "border-width": 3 } },
          {
            selector: "edge",
            style: {
              width: 1.5,
              "line-color": "#777",
              "target-arrow-color": "#777",
              "target-arrow-shape": "triangle",
              "curve-style": "bezier",
              label: "data(label)",
              "font-size": 9,
              color: "#333",
              "text-background-color": "#fff",
              "text-background-opacity": 0.8
            }
          }
        ],
        layout: { name: "cose", animate: false, padding: 20 }
      });
      cy.on("tap", "node", function (event) {
        var node = event.target;
        if (!node.data("center")) {
          window.location.href = "/entities/" + encodeURIComponent(node.id());
        }
      });
      box.setAttribute("data-ready", String(cy.nodes().length));
    })
    .catch(function () {
      box.textContent = "The graph cannot be drawn for this store; the relations are listed below.";
      box.classList.add("empty");
    });
})();
