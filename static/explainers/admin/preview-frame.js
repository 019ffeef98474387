/* Runs inside the change form's preview frame, before reveal.js. The frame is sandboxed
   (no storage of its own), so the shield reads the "Read as" reader's choices from an
   in-memory store given here; nothing the preview does is kept. The frame also tells
   the form how far it is scrolled, so the next preview opens at the same place. */
(function () {
  "use strict";
  var meta = document.querySelector("meta[name='unspoiled-preview-shield']");
  var items = Object.create(null);
  if (meta && meta.content) {
    items["unspoiled.shield." + meta.getAttribute("data-work")] = meta.content;
  }
  window.unspoiledStorage = {
    getItem: function (key) {
      return key in items ? items[key] : null;
    },
    setItem: function (key, value) {
      items[key] = String(value);
    },
    removeItem: function (key) {
      delete items[key];
    },
  };

  window.addEventListener("message", function (event) {
    // The form asks to come back to where the editor was reading.
    if (event.source !== window.parent || !event.data || typeof event.data.scrollTo !== "number") return;
    window.scrollTo(0, event.data.scrollTo);
  });
  var timer = null;
  window.addEventListener("scroll", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(function () {
      window.parent.postMessage({ unspoiledPreviewScroll: window.scrollY }, "*");
    }, 100);
  });
  window.addEventListener("load", function () {
    window.parent.postMessage({ unspoiledPreviewReady: true }, "*");
  });
  // A link out of the page would open the site inside the frame (which the site refuses):
  // the preview follows only links within the page (notes, the map).
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[href]");
    if (link && link.getAttribute("href").charAt(0) !== "#") event.preventDefault();
  });
})();
