/* Starts Swagger UI on /api/docs from this package's own files (no CDN; the app's
   Content-Security-Policy allows scripts from 'self' only, so no inline script either).
   swagger-ui-bundle.js and swagger-ui.css: swagger-ui-dist 5.35.0, Apache-2.0,
   Copyright 2020-2021 SmartBear Software Inc.; see LICENSE and NOTICE in this folder. */
window.addEventListener("DOMContentLoaded", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.getAttribute("data-openapi-url"),
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
  });
});
