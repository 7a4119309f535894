/* Starts Redoc on the API documentation page (templates/drf_spectacular/redoc.html): the
 * schema's URL and Redoc's settings come from the container's data-* attributes, so the
 * page needs no inline script under the Content-Security-Policy. */
(function () {
  "use strict";
  var container = document.getElementById("redoc-container");
  if (!container || typeof Redoc === "undefined") return;
  var settings = JSON.parse(container.dataset.settings || "{}");
  Redoc.init(container.dataset.schemaUrl, settings, container);
})();
