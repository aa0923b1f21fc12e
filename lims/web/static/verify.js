/* The public check page: is the PDF (or DCC) in hand the file the lab issued?
   The SHA-256 is computed here, in the browser (Web Crypto), and compared with the one the page
   shows; the file is never sent anywhere. Messages come translated in the drop zone's data-*. */
(function () {
  "use strict";
  var zone = document.getElementById("pdf-check");
  if (!zone) { return; }
  var input = document.getElementById("pdf-file");
  var result = zone.querySelector(".check-result");

  function say(text, state) {
    result.textContent = text;
    result.className = "check-result" + (state ? " " + state : "");
    zone.setAttribute("data-result", state || "");
  }

  function hex(buffer) {
    var bytes = new Uint8Array(buffer), out = "";
    for (var i = 0; i < bytes.length; i++) { out += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16); }
    return out;
  }

  function check(file) {
    if (!file) { return; }
    if (!(window.crypto && window.crypto.subtle && file.arrayBuffer)) {
      say(zone.dataset.unsupported, "unsupported");
      return;
    }
    say(zone.dataset.busy, "busy");
    file.arrayBuffer()
      .then(function (data) { return window.crypto.subtle.digest("SHA-256", data); })
      .then(function (digest) {
        var got = hex(digest);
        if (got === zone.dataset.sha256) {
          say(zone.dataset.genuine, "genuine");
        } else if (zone.dataset.dccSha256 && got === zone.dataset.dccSha256) {
          say(zone.dataset.genuineDcc, "genuine");
        } else {
          say(zone.dataset.changed, "changed");
        }
      })
      .catch(function () { say(zone.dataset.unsupported, "unsupported"); });
  }

  input.addEventListener("change", function () { check(input.files[0]); });
  zone.addEventListener("dragover", function (event) {
    event.preventDefault();
    zone.classList.add("dragging");
  });
  zone.addEventListener("dragleave", function () { zone.classList.remove("dragging"); });
  zone.addEventListener("drop", function (event) {
    event.preventDefault();
    zone.classList.remove("dragging");
    if (event.dataTransfer && event.dataTransfer.files.length) { check(event.dataTransfer.files[0]); }
  });
})();
