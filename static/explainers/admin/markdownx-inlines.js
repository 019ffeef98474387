/* django-markdownx only wires up editors present when the page loads. When the admin
   adds an inline section, re-run markdownx's script: it initialises every editor that
   is not yet marked as initialised, which is just the new one. */
(function () {
  "use strict";
  document.addEventListener("formset:added", function (event) {
    var row = event.target;
    var editors = row.querySelectorAll(".markdownx-editor");
    if (!editors.length) {
      return;
    }
    editors.forEach(function (editor) {
      editor.removeAttribute("data-markdownx-init");
    });
    var existing = document.querySelector('script[src*="markdownx/js/markdownx"]');
    if (!existing) {
      return;
    }
    var again = document.createElement("script");
    again.src = existing.src;
    document.body.appendChild(again);
  });
})();
