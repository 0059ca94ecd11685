// Starts Swagger UI on /docs (an external file: the site's CSP forbids inline scripts).
window.addEventListener("load", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.openapi,
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,  // the default validator badge would call an outside service
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout"
  });
});
