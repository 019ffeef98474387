/* Progressive enhancement for spoiler reveals. Without this script, <details> still
   hides and reveals sections, and inline spoilers reveal on focus. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  var live;
  function announce(message) {
    if (!live) {
      live = document.createElement("p");
      live.className = "visually-hidden";
      live.setAttribute("aria-live", "polite");
      live.style.cssText = "position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);";
      document.body.appendChild(live);
    }
    live.textContent = message;
  }

  // Spoiler images carry data-src / data-alt only; they load when their section opens.
  function loadDeferredMedia(root) {
    root.querySelectorAll("img.deferred-media[data-src]").forEach(function (img) {
      img.alt = img.getAttribute("data-alt") || "";
      img.src = img.getAttribute("data-src");
      img.removeAttribute("data-src");
    });
  }

  // A section opens only when the reader asks: a click or a key on its summary. The
  // browser also unfolds <details> by itself for find-in-page and for links into the
  // section (a shared #fragment); those openings are folded straight back.
  function setUpGate(details) {
    var summary = details.querySelector("summary");
    var asked = false;
    summary.addEventListener("click", function () {
      asked = true;
    });
    details.addEventListener("toggle", function () {
      var heading = details.querySelector(".spoiler-gate__heading");
      var name = heading ? heading.textContent.trim() : "section";
      if (details.open && !asked) {
        details.open = false;
        return;
      }
      asked = false;
      if (details.open) {
        loadDeferredMedia(details);
        announce("Spoiler section revealed: " + name);
      } else {
        announce("Spoiler section hidden again: " + name);
      }
    });
  }

  function setUpInlineSpoiler(span) {
    span.setAttribute("role", "button");
    span.setAttribute("aria-expanded", "false");
    span.setAttribute("aria-label", "Hidden spoiler. Activate to reveal.");
    function toggle(event) {
      event.preventDefault();
      var revealed = span.classList.toggle("is-revealed");
      span.setAttribute("aria-expanded", revealed ? "true" : "false");
      if (revealed) {
        loadDeferredMedia(span);
        span.removeAttribute("aria-label");
        announce("Spoiler revealed.");
      } else {
        span.setAttribute("aria-label", "Hidden spoiler. Activate to reveal.");
        announce("Spoiler hidden again.");
      }
    }
    span.addEventListener("click", toggle);
    span.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === " ") {
        toggle(event);
      }
    });
  }

  function init() {
    document.querySelectorAll("details.spoiler-gate").forEach(setUpGate);
    document.querySelectorAll(".spoiler").forEach(setUpInlineSpoiler);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
