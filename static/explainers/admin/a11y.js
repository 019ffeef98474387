// Accessible names for the admin's autocomplete boxes (select2). select2 names its combobox
// by the box showing the current choice, which is empty until something is chosen, and
// never by the field's label: each combobox is labelled by its field's <label> and that box,
// and the box by the label.
(function () {
  "use strict";

  function labelFor(select) {
    if (!select.id) return null;
    const label = document.querySelector('label[for="' + select.id + '"]');
    if (!label) return null;
    if (!label.id) label.id = select.id + "-label";
    return label;
  }

  function name(root) {
    (root || document).querySelectorAll("select.admin-autocomplete").forEach(function (select) {
      const label = labelFor(select);
      const holder = select.nextElementSibling;
      const combobox = holder && holder.querySelector('.select2-selection[role="combobox"]');
      if (!label || !combobox) return;
      const shown = holder.querySelector(".select2-selection__rendered");
      const ids = [label.id];
      if (shown && shown.id) ids.push(shown.id);
      combobox.setAttribute("aria-labelledby", ids.join(" "));
      // The box showing the choice is a read-only textbox to assistive technology: it is
      // named by the label too, even while nothing is chosen.
      if (shown && shown.getAttribute("role") === "textbox") {
        shown.setAttribute("aria-labelledby", label.id);
      }
    });
  }

  function soon(event) {
    // select2 is attached by Django's own handlers for the same events: run after them.
    window.setTimeout(function () {
      name(event && event.target && event.target.nodeType === 1 ? event.target : document);
    }, 0);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", soon);
  } else {
    soon();
  }
  document.addEventListener("formset:added", soon);
})();
