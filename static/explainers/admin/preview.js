/* The article form's preview: the reader's page, as the form stands, unsaved. A moment
   after the editor stops typing, the form is posted to the preview endpoint (which saves
   nothing) and the page it answers is shown in a sandboxed frame with the site's own
   styles and reveal script. Beside the form on wide screens; behind a button on narrow
   ones, where it is fetched only while open. "Read as" picks the reader: one who chose
   nothing, a level, a part of the work, everything, or a search engine. */
function startArticlePreview() {
  "use strict";
  var panel = document.getElementById("preview-panel");
  var form = panel && panel.closest("form");
  if (!form || !window.fetch || !window.FormData) {
    return;
  }
  var url = panel.getAttribute("data-url");
  var body = document.getElementById("preview-panel-body");
  var toggle = panel.querySelector(".preview-panel__toggle");
  var frame = panel.querySelector(".preview-panel__frame");
  var readAs = panel.querySelector(".preview-panel__read-as");
  var status = panel.querySelector(".preview-panel__status");
  var wide = window.matchMedia("(min-width: 1200px)");
  var WAIT = 800;
  var timer = null;
  var latest = 0;
  var inFlight = null;
  var stale = true;
  var opened = false; // on a narrow screen: the editor asked to see it
  var scrollY = 0;
  panel.hidden = false;

  function isOpen() {
    return wide.matches || opened;
  }

  function layout() {
    var open = isOpen();
    panel.classList.toggle("preview-panel--open", open);
    body.hidden = !open;
    toggle.hidden = wide.matches;
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    toggle.textContent = open ? "Hide the preview" : "Show the preview";
    if (open && stale) {
      run();
    }
  }

  function csrfToken() {
    var field = form.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function option(value, text) {
    var node = document.createElement("option");
    node.value = value;
    node.textContent = text;
    return node;
  }

  // The levels and parts the reader may choose, as the answer lists them.
  function offer(result) {
    var chosen = readAs.value;
    readAs.textContent = "";
    readAs.appendChild(option("reader", "A reader who chose nothing"));
    result.levels.forEach(function (level) {
      if (level.rank > 0) {
        readAs.appendChild(option("level:" + level.rank, "A reader who chose " + level.name));
      }
    });
    result.parts.forEach(function (part) {
      readAs.appendChild(option("part:" + part.position, "A reader up to " + part.label));
    });
    readAs.appendChild(option("seen", "A reader who has seen it all"));
    readAs.appendChild(option("search", "A search engine or link preview"));
    readAs.value = chosen;
    if (readAs.value !== chosen) {
      readAs.value = "reader"; // that part is not the new work's
    }
  }

  // "Reveals through" offers the parts of the article's work: when the editor picks
  // another work, the sections' menus follow before anything is saved.
  var workField = form.querySelector("#id_work");
  var partsOf = workField ? workField.value : "";
  function offerParts(result) {
    if (!workField || workField.value === partsOf) {
      return;
    }
    partsOf = workField.value;
    form.querySelectorAll("select[id$='-reveals_through']").forEach(function (select) {
      var chosen = select.value;
      select.textContent = "";
      select.appendChild(option("", "---------"));
      result.parts.forEach(function (part) {
        select.appendChild(option(String(part.id), part.name));
      });
      select.value = chosen;
      if (select.value !== chosen) {
        select.value = "";
      }
    });
  }

  function say(message, failed) {
    status.textContent = message;
    panel.classList.toggle("preview-panel--failed", !!failed);
  }

  function run() {
    window.clearTimeout(timer);
    if (!isOpen()) {
      stale = true;
      return;
    }
    stale = false;
    if (workField && !workField.value) {
      say("Choose the work this explainer is about to see the preview.", false);
      return;
    }
    var ticket = ++latest;
    if (inFlight) {
      inFlight.abort();
    }
    inFlight = window.AbortController ? new AbortController() : null;
    var data = new FormData(form);
    data.append("preview_read_as", readAs.value);
    panel.setAttribute("aria-busy", "true");
    say("Updating the preview…");
    fetch(url, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
      signal: inFlight ? inFlight.signal : undefined,
    })
      .then(function (response) {
        return response
          .json()
          .catch(function () {
            return { message: "The preview could not be made (error " + response.status + ")." };
          })
          .then(function (result) {
            return { ok: response.ok, result: result };
          });
      })
      .then(function (answer) {
        if (ticket !== latest) {
          return;
        }
        panel.removeAttribute("aria-busy");
        if (!answer.ok) {
          say(answer.result.message || "The preview could not be made.", true);
          return;
        }
        var result = answer.result;
        offer(result);
        offerParts(result);
        frame.srcdoc = result.html;
        var time = new Date().toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
        say(
          "Updated " + time + ", not saved." +
            (result.complete ? "" : " Some fields have errors: they show as last saved or are left out."),
          false
        );
      })
      .catch(function (error) {
        if (ticket !== latest || (error && error.name === "AbortError")) {
          return;
        }
        panel.removeAttribute("aria-busy");
        say("The preview could not reach the server. It updates again when you type.", true);
      });
  }

  function schedule(event) {
    if (event && event.target && panel.contains(event.target)) {
      return;
    }
    window.clearTimeout(timer);
    timer = window.setTimeout(run, WAIT);
  }

  // The frame says where it is scrolled; a new preview opens at the same place.
  window.addEventListener("message", function (event) {
    if (event.source !== frame.contentWindow || !event.data) {
      return;
    }
    if (typeof event.data.unspoiledPreviewScroll === "number") {
      scrollY = event.data.unspoiledPreviewScroll;
    } else if (event.data.unspoiledPreviewReady && scrollY) {
      frame.contentWindow.postMessage({ scrollTo: scrollY }, "*");
    }
  });

  // The panel's own controls are not part of the article: other listeners on the form
  // (checks, unsaved-changes warnings) never hear of them.
  ["input", "change"].forEach(function (type) {
    panel.addEventListener(type, function (event) {
      event.stopPropagation();
      if (type === "change" && event.target === readAs) {
        scrollY = 0;
        run();
      }
    });
  });
  toggle.addEventListener("click", function () {
    opened = !opened;
    layout();
  });
  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
  document.addEventListener("formset:added", schedule);
  document.addEventListener("formset:removed", schedule);
  if (window.django && window.django.jQuery) {
    window.django.jQuery(form).on("select2:select select2:unselect", schedule);
  }
  if (wide.addEventListener) {
    wide.addEventListener("change", layout);
  }
  layout();
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", startArticlePreview);
} else {
  startArticlePreview();
}
