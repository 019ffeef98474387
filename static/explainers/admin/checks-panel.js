/* The article form's Checks panel. A moment after the editor stops typing (in any field,
   a Markdown editor or an inline row), the form as it stands is posted to the checks
   endpoint, which saves nothing, and the panel lists what a save would find: leaks,
   suggestions, images missing alt text or a credit, the form's errors, with a link to
   each place, and the word count and reading time. Only the one-line summary is a live
   region, so a screen reader hears "2 leaks" rather than the whole list again. */
function startChecksPanel() {
  "use strict";
  var panel = document.getElementById("checks-panel");
  var form = panel && panel.closest("form");
  if (!form || !window.fetch || !window.FormData) {
    return;
  }
  var url = panel.getAttribute("data-url");
  var summary = panel.querySelector(".checks-summary");
  var findings = panel.querySelector(".checks-findings");
  var WAIT = 600;
  var timer = null;
  var retryTimer = null;
  var retryDelay = 5000;
  var latest = 0;
  var inFlight = null;
  panel.hidden = false;

  function csrfToken() {
    var field = form.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function plural(count, one, many) {
    return count + " " + (count === 1 ? one : many);
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text) {
      node.textContent = text;
    }
    return node;
  }

  // The place to go to: the field itself, or, when it is hidden (an autocomplete's
  // select), the first thing in its row that can take focus.
  function focusTarget(id) {
    var target = document.getElementById(id);
    if (!target) {
      return;
    }
    var closed = target.closest("details:not([open])");
    if (closed) {
      closed.open = true;
    }
    if (target.offsetParent === null) {
      var row = target.closest(".form-row, .fieldBox, .inline-related") || target.parentNode;
      var visible = Array.prototype.filter.call(
        row.querySelectorAll("input, textarea, select, [tabindex], .select2-selection"),
        function (node) { return node.offsetParent !== null && node.type !== "hidden"; }
      );
      target = visible[0] || row;
    }
    target.scrollIntoView({ block: "center" });
    target.focus({ preventScroll: true });
  }

  function list(title, kind, items) {
    if (!items.length) {
      return null;
    }
    var group = element("section", "checks-group checks-" + kind);
    group.appendChild(element("h3", "", title + " (" + items.length + ")"));
    var ul = element("ul");
    items.forEach(function (item) {
      var li = element("li");
      if (item.target) {
        var link = element("a", "", item.message);
        link.href = "#" + item.target;
        link.setAttribute("data-target", item.target);
        li.appendChild(link);
      } else {
        li.textContent = item.message;
      }
      ul.appendChild(li);
    });
    group.appendChild(ul);
    return group;
  }

  function show(result) {
    var parts = [];
    var leaks = result.leaks.length;
    parts.push(leaks ? plural(leaks, "leak", "leaks") : "No leaks found");
    if (result.suggestions.length) {
      parts.push(plural(result.suggestions.length, "suggestion", "suggestions"));
    }
    if (result.images.length) {
      parts.push(plural(result.images.length, "image needs", "images need") + " alt text or a credit");
    }
    if (result.errors.length) {
      parts.push(plural(result.errors.length, "field error", "field errors"));
    }
    parts.push(plural(result.words, "word", "words") + ", " +
      (result.reading_minutes ? "about " + plural(result.reading_minutes, "minute", "minutes") + " to read" : "nothing to read yet"));
    summary.textContent = parts.join(" · ") + ".";
    panel.className = "checks-panel " + (leaks ? "checks-leaky" : "checks-clean");
    findings.textContent = "";
    [
      list("Leaks", "leaks", result.leaks),
      list("Would refuse publishing", "publishing",
        result.publishing ? [{ message: result.publishing, target: "" }] : []),
      list("Other problems", "problems", result.problems),
      list("Images missing alt text or a credit", "images", result.images),
      list("Field errors", "errors", result.errors),
      list("Suggestions", "suggestions", result.suggestions),
    ].forEach(function (group) {
      if (group) {
        findings.appendChild(group);
      }
    });
    if (!result.complete) {
      findings.appendChild(element("p", "checks-note",
        "Some fields have errors: the rest of the article was checked."));
    }
  }

  function failed(message, retry) {
    panel.className = "checks-panel checks-failed";
    findings.textContent = "";
    if (!retry) {
      summary.textContent = message;
      return;
    }
    summary.textContent = message + " Trying again in " + Math.round(retryDelay / 1000) + " seconds.";
    var button = element("button", "button", "Check now");
    button.type = "button";
    button.addEventListener("click", run);
    findings.appendChild(button);
    window.clearTimeout(retryTimer);
    retryTimer = window.setTimeout(run, retryDelay);
    retryDelay = Math.min(retryDelay * 2, 60000);
  }

  function run() {
    window.clearTimeout(timer);
    window.clearTimeout(retryTimer);
    var ticket = ++latest;
    if (inFlight) {
      inFlight.abort();
    }
    inFlight = window.AbortController ? new AbortController() : null;
    panel.setAttribute("aria-busy", "true");
    fetch(url, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
      signal: inFlight ? inFlight.signal : undefined,
    })
      .then(function (response) {
        return response.json().then(
          function (body) { return { status: response.status, body: body }; },
          function () { return { status: response.status, body: null }; }
        );
      })
      .then(function (answer) {
        if (ticket !== latest) {
          return; // a later check is on its way
        }
        panel.removeAttribute("aria-busy");
        if (answer.status === 200 && answer.body) {
          retryDelay = 5000;
          show(answer.body);
        } else if (answer.status === 403 || answer.status === 400) {
          failed((answer.body && answer.body.message) ||
            "The checks could not be run: you may have been signed out. Reload the page.", false);
        } else {
          failed("The checks could not be run (the server answered " + answer.status + ").", true);
        }
      })
      .catch(function (error) {
        if (ticket !== latest || (error && error.name === "AbortError")) {
          return;
        }
        panel.removeAttribute("aria-busy");
        failed("The checks could not reach the server.", true);
      });
  }

  function schedule(event) {
    if (event && event.target && panel.contains(event.target)) {
      return;
    }
    window.clearTimeout(timer);
    timer = window.setTimeout(run, WAIT);
  }

  findings.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-target]");
    if (link) {
      event.preventDefault();
      focusTarget(link.getAttribute("data-target"));
    }
  });
  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
  document.addEventListener("formset:added", schedule);
  document.addEventListener("formset:removed", schedule);
  if (window.django && window.django.jQuery) {
    // Autocomplete menus (select2) announce a choice through jQuery only.
    window.django.jQuery(form).on("select2:select select2:unselect", schedule);
  }
  if (panel.getAttribute("data-new") === "1") {
    // A blank add form: nothing to check until something is written.
    summary.textContent = "The checks run as you write.";
  } else {
    run();
  }
}

// The admin loads its scripts in <head>, before the panel exists.
if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", startChecksPanel);
} else {
  startChecksPanel();
}
