/* The coverage map of the officials' dashboard (Leaflet, shipped in vendor/; no tiles:
 * the municipality and Ambito boundaries are the map).
 *
 * The page gives the GeoJSON's URL in data-geojson on #atl-coverage-map. Every area is
 * filled by its class (0-4) with a colour-blind-safe sequential palette (ColorBrewer
 * YlGnBu) and a pattern per class (dashboard.css, patterns defined in the page), so the
 * map reads without colour; areas without data are hatched grey. Each area has a tooltip
 * with its name and value (as text, never parsed as HTML: names are data), can be reached
 * with the keyboard (Tab; Enter opens its page), and the ranked table under the map is the
 * accessible equivalent of the whole map.
 */
(function () {
  "use strict";

  var PALETTE = ["#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494"];
  var NO_DATA = "#e0e0e0";

  function classOf(feature) {
    var klass = feature.properties["class"];
    return klass === null || klass === undefined ? "none" : String(klass);
  }

  function style(feature) {
    var klass = classOf(feature);
    return {
      className: "atl-area atl-class-" + klass,
      color: "#333333",
      weight: 1,
      fillColor: klass === "none" ? NO_DATA : PALETTE[Number(klass)],
      fillOpacity: 0.9,
    };
  }

  function describe(feature) {
    var p = feature.properties;
    return p.name + ": " + p.value_label;
  }

  /* Leaflet puts a string tooltip in with innerHTML: an area's name is data (an Ambito can
   * be named anything), so the tooltip is an element whose text is set, never parsed. */
  function tooltipContent(text) {
    var element = document.createElement("span");
    element.className = "atl-tooltip-text";
    element.textContent = text;
    return element;
  }

  function bind(feature, layer) {
    var text = describe(feature);
    layer.bindTooltip(tooltipContent(text), { sticky: true, direction: "top" });
    layer.on("add", function () {
      var path = layer.getElement();
      if (!path) return;
      path.setAttribute("tabindex", "0");
      path.setAttribute("role", "link");
      path.setAttribute("aria-label", text);
      path.addEventListener("focus", function () {
        layer.openTooltip(layer.getBounds().getCenter());
      });
      path.addEventListener("blur", function () {
        layer.closeTooltip();
      });
      path.addEventListener("keydown", function (event) {
        if (event.key === "Enter" && feature.properties.link) {
          window.location.href = feature.properties.link;
        }
      });
    });
    layer.on("click", function () {
      if (feature.properties.link) window.location.href = feature.properties.link;
    });
    layer.on("mouseover", function () {
      layer.setStyle({ weight: 3 });
    });
    layer.on("mouseout", function () {
      layer.setStyle({ weight: 1 });
    });
  }

  function setStatus(container, text) {
    var status = container.parentNode.querySelector(".atl-map-status");
    if (status) status.textContent = text || "";
  }

  function draw(container, data) {
    var map = L.map(container, {
      zoomSnap: 0.25,
      attributionControl: false,
      keyboard: true,
    });
    var drawable = {
      type: "FeatureCollection",
      features: (data.features || []).filter(function (f) {
        return f.geometry;
      }),
    };
    if (!drawable.features.length) {
      setStatus(container, container.dataset.empty);
      map.setView([42, 12.5], 6);
      return map;
    }
    var layer = L.geoJSON(drawable, { style: style, onEachFeature: bind }).addTo(map);
    map.fitBounds(layer.getBounds(), { padding: [8, 8] });
    container.atlanteLayer = layer;
    setStatus(container, "");
    return map;
  }

  function start() {
    var container = document.getElementById("atl-coverage-map");
    if (!container || typeof L === "undefined") return;
    setStatus(container, container.dataset.loading);
    fetch(container.dataset.geojson, {
      credentials: "same-origin",
      headers: { Accept: "application/geo+json, application/json" },
    })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (data) {
        container.atlanteMap = draw(container, data);
        container.dataset.drawn = String((data.features || []).length);
      })
      .catch(function () {
        setStatus(container, container.dataset.failed);
      });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
