// Starts Swagger UI on /schema (served from our own origin; no inline script under the CSP).
// "Try it out" sends the CSRF token from the csrftoken cookie, as the app's own pages do.
window.addEventListener("DOMContentLoaded", function () {
  var root = document.getElementById("swagger-ui");
  if (!root || typeof window.SwaggerUIBundle !== "function") return;
  window.ui = window.SwaggerUIBundle({
    url: root.getAttribute("data-url"),
    domNode: root,
    deepLinking: true,
    validatorUrl: null,
    requestInterceptor: function (req) {
      var m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
      if (m) req.headers["x-csrftoken"] = decodeURIComponent(m[1]);
      return req;
    },
  });
});
