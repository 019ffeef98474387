/* The image chooser: "Choose an image" beside an image field opens a dialog of
   thumbnails (the admin's chooser endpoint, as HTML) to search, filter and page through;
   picking one sets the field's number and shows its thumbnail beside it.

   Without this script the field is the plain number box with its lookup link. The
   dialog is a modal <dialog>: Tab stays inside it, Escape closes it, and focus goes back
   to the button that opened it. Section forms added later need nothing: every listener
   is on the document. */
(function () {
  "use strict";
  document.documentElement.classList.add("has-image-chooser");

  var dialog = null;
  var current = null; // the .image-chooser whose field the dialog fills
  var opener = null;
  var searchTimer = null;
  var loading = null;

  function build() {
    dialog = document.createElement("dialog");
    dialog.className = "image-chooser-dialog";
    dialog.setAttribute("aria-labelledby", "image-chooser-title");
    var head = document.createElement("div");
    head.className = "image-chooser-head";
    var title = document.createElement("h2");
    title.id = "image-chooser-title";
    title.textContent = "Choose an image";
    var close = document.createElement("button");
    close.type = "button";
    close.className = "button image-chooser-close";
    close.textContent = "Close";
    close.addEventListener("click", function () { dialog.close(); });
    head.appendChild(title);
    head.appendChild(close);
    var body = document.createElement("div");
    body.className = "image-chooser-body";
    dialog.appendChild(head);
    dialog.appendChild(body);
    document.body.appendChild(dialog);

    dialog.addEventListener("close", function () {
      if (loading) loading.abort();
      if (opener && document.contains(opener)) opener.focus();
      current = opener = null;
    });
    dialog.addEventListener("submit", function (event) {
      event.preventDefault();
      load(searchUrl(), true);
    });
    dialog.addEventListener("change", function (event) {
      if (event.target.matches("select")) load(searchUrl(), true);
    });
    dialog.addEventListener("input", function (event) {
      if (event.target.type !== "search") return;
      window.clearTimeout(searchTimer);
      searchTimer = window.setTimeout(function () { load(searchUrl(), true); }, 300);
    });
    dialog.addEventListener("click", function (event) {
      var pick = event.target.closest(".image-chooser-pick");
      if (pick) {
        choose(pick);
        return;
      }
      var page = event.target.closest("a[data-page]");
      if (page) {
        event.preventDefault();
        var url = searchUrl();
        url.searchParams.set("page", page.getAttribute("data-page"));
        load(url, true, true);
      }
    });
  }

  function searchUrl() {
    var form = dialog.querySelector("form.image-chooser-search");
    var url = new URL(form.getAttribute("action"), window.location.href);
    new FormData(form).forEach(function (value, key) {
      if (value !== "") url.searchParams.set(key, value);
    });
    return url;
  }

  function load(url, resultsOnly, focusResults) {
    if (loading) loading.abort();
    loading = new AbortController();
    if (resultsOnly) url.searchParams.set("part", "results");
    var body = dialog.querySelector(".image-chooser-body");
    body.setAttribute("aria-busy", "true");
    return fetch(url, { credentials: "same-origin", signal: loading.signal })
      .then(function (response) {
        return response.text().then(function (text) {
          return { ok: response.ok, status: response.status, text: text };
        });
      })
      .then(function (answer) {
        body.removeAttribute("aria-busy");
        if (!answer.ok && !answer.text) throw new Error("status " + answer.status);
        var results = body.querySelector(".image-chooser-results");
        if (resultsOnly && results) {
          var found = new DOMParser().parseFromString(answer.text, "text/html").querySelector(".image-chooser-results");
          if (found) results.replaceWith(document.importNode(found, true));
        } else {
          body.innerHTML = answer.text; // the server's own escaped template
        }
        if (focusResults) {
          var first = body.querySelector(".image-chooser-pick");
          if (first) first.focus();
        }
      })
      .catch(function (error) {
        if (error.name === "AbortError") return;
        body.removeAttribute("aria-busy");
        body.textContent = "";
        var message = document.createElement("p");
        message.className = "errornote";
        message.setAttribute("role", "alert");
        message.textContent = "The images could not be loaded (" + error.message + "). Close this and try again, or type the image's number.";
        body.appendChild(message);
      });
  }

  function fieldOf(chooser) {
    return chooser.querySelector("input.vForeignKeyRawIdAdminField, input[type=text]");
  }

  function show(chooser, image) {
    var thumb = chooser.querySelector(".image-chooser-thumb");
    var label = chooser.querySelector(".image-chooser-label");
    label.textContent = "";
    if (!image) {
      thumb.hidden = true;
      thumb.removeAttribute("src");
      var spoilerFreeOnly = /[?&]max_rank=0(&|$)/.test(chooser.getAttribute("data-chooser-url"));
      label.textContent = !fieldOf(chooser).value
        ? "No image chosen."
        : spoilerFreeOnly
          ? "No spoiler-free image has this number (only a level-0 image can be here)."
          : "No image has this number.";
      return;
    }
    if (image.thumbnail) {
      thumb.src = image.thumbnail;
      thumb.hidden = false;
    } else {
      thumb.hidden = true;
    }
    var link = document.createElement("a");
    link.href = image.change_url;
    link.target = "_blank";
    link.rel = "noopener";
    link.textContent = image.label;
    label.appendChild(link);
  }

  function choose(pick) {
    var chooser = current;
    var field = fieldOf(chooser);
    field.value = pick.getAttribute("data-id");
    show(chooser, {
      label: pick.getAttribute("data-label"),
      thumbnail: pick.getAttribute("data-thumbnail"),
      change_url: pick.getAttribute("data-change-url"),
    });
    // As if typed: autosave and the checks panel listen for these.
    field.dispatchEvent(new Event("input", { bubbles: true }));
    field.dispatchEvent(new Event("change", { bubbles: true }));
    dialog.close();
  }

  function open(button) {
    if (!dialog) build();
    current = button.closest(".image-chooser");
    opener = button;
    var url = new URL(current.getAttribute("data-chooser-url"), window.location.href);
    dialog.querySelector(".image-chooser-body").textContent = "Loading images…";
    dialog.showModal();
    load(url, false).then(function () {
      var search = dialog.querySelector("input[type=search]");
      if (search && dialog.open) search.focus();
    });
  }

  // A number typed in (or set by the lookup list's popup): show that image.
  function refresh(field) {
    var chooser = field.closest(".image-chooser");
    if (!chooser || dialog && dialog.open) return;
    var value = field.value.trim();
    if (!/^\d+$/.test(value)) {
      show(chooser, null);
      return;
    }
    var url = new URL(chooser.getAttribute("data-chooser-url"), window.location.href);
    url.searchParams.set("id", value);
    url.searchParams.set("format", "json");
    fetch(url, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : { results: [] }; })
      .then(function (answer) { show(chooser, answer.results[0] || null); })
      .catch(function () {});
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest(".image-chooser-open");
    if (button) {
      event.preventDefault();
      open(button);
    }
  });
  var onChange = function (event) {
    var field = event.target;
    if (field.matches && field.matches(".image-chooser input")) refresh(field);
  };
  if (window.django && window.django.jQuery) {
    // The lookup popup sets the number through jQuery, which native listeners miss.
    window.django.jQuery(document).on("change", ".image-chooser input", onChange);
  } else {
    document.addEventListener("change", onChange);
  }
})();
