/* The edit form's "who else is here": checks in with the server every 15 seconds and
   says who else has this article open, and who saved it since this form was opened (a
   save from this form would then be refused, so the editor knows before typing more). */
function startPresence() {
  "use strict";
  var banner = document.getElementById("presence-banner");
  if (!banner || !window.fetch) {
    return;
  }
  var url = banner.getAttribute("data-url");
  var opened = banner.getAttribute("data-opened");

  function names(list) {
    if (list.length < 2) {
      return list.join("");
    }
    return list.slice(0, -1).join(", ") + " and " + list[list.length - 1];
  }

  function show(state) {
    var lines = [];
    if (state.others.length) {
      lines.push(names(state.others) + (state.others.length > 1 ? " also have" : " also has") +
        " this article open.");
    }
    if (state.saved_since.length) {
      var who = state.saved_since.map(function (s) { return s.name + " at " + s.at; });
      lines.push("Saved since you opened it by " + names(who) +
        ". Your save would be refused: reload the page to get their changes first.");
      banner.classList.add("presence-stale");
    }
    banner.textContent = lines.join(" ");
    banner.hidden = lines.length === 0;
  }

  function check() {
    fetch(url + "?opened=" + encodeURIComponent(opened), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (state) { if (state) { show(state); } })
      .catch(function () { /* offline for a moment: try again at the next tick */ });
  }

  check();
  window.setInterval(check, 15000);
}

// The admin loads its scripts in <head>, before the banner exists.
if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", startPresence);
} else {
  startPresence();
}
