// Kiosk mode of the case query (/query?kiosk=true): an on-screen keypad typing into the
// field last touched, and a return to the empty form after a period without a touch.
// Without this script the page works with a keyboard; the keypad stays hidden.
(function () {
  "use strict";
  var root = document.getElementById("kiosk");
  if (!root) { return; }
  var fields = root.querySelectorAll("input[data-keypad]");
  var target = fields.length ? fields[0] : null;
  fields.forEach(function (f) { f.addEventListener("focus", function () { target = f; }); });
  root.querySelectorAll(".keypad").forEach(function (pad) {
    pad.hidden = false;
    pad.addEventListener("click", function (e) {
      var key = e.target && e.target.getAttribute("data-key");
      if (!key || !target) { return; }
      if (key === "back") { target.value = target.value.slice(0, -1); }
      else if (key === "clear") { target.value = ""; }
      else { target.value += key; }
      target.focus();
    });
  });
  var idle = parseInt(root.getAttribute("data-idle-seconds") || "90", 10) * 1000;
  var home = root.getAttribute("data-home") || "/query?kiosk=true";
  var timer = null;
  function reset() {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(function () { window.location.assign(home); }, idle);
  }
  ["click", "keydown", "touchstart", "input"].forEach(function (name) {
    document.addEventListener(name, reset, { passive: true });
  });
  reset();
}());
