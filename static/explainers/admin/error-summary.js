/* The list of errors at the top of the article form: it takes focus when the page
   opens, so it is heard first, and each link moves the focus to its field (opening a
   folded fieldset; an autocomplete's hidden select hands over to its visible box). */
(function () {
  "use strict";

  function focusable(target) {
    if (target.offsetParent !== null) {
      return target;
    }
    var row = target.closest(".form-row, .fieldBox, .inline-related") || target.parentNode;
    var visible = Array.prototype.filter.call(
      row.querySelectorAll("input, textarea, select, [tabindex], .select2-selection"),
      function (node) {
        return node.offsetParent !== null && node.type !== "hidden";
      }
    );
    return visible[0] || row;
  }

  function start() {
    var summary = document.getElementById("error-summary");
    if (!summary) {
      return;
    }
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[data-target]");
      var target = link && document.getElementById(link.getAttribute("data-target"));
      if (!target) {
        return;
      }
      event.preventDefault();
      var closed = target.closest("details:not([open])");
      if (closed) {
        closed.open = true;
      }
      target = focusable(target);
      target.scrollIntoView({ block: "center" });
      target.focus({ preventScroll: true });
    });
    summary.focus();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
