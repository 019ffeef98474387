/* The article form never loses what was typed.

   A few seconds after each change the whole form (its fields, the sections and citations
   rows included) is posted to the editor's own autosave on the server; until the server
   has it, a copy waits in this browser's localStorage (keyed by user and article), so a
   dropped connection or a closed tab loses nothing. When the server cannot be reached,
   the status says so and the post is tried again, waiting longer each time, and at once
   when the browser is back online. Reopening the form offers the newest autosave that
   differs from the form: restore it (rows added are added back) or discard it. Leaving
   with unsaved changes asks first; Ctrl+S (Cmd+S) presses "Save and continue editing".

   A second part shows the merge after a stale save: each place where both editors
   changed the same thing has a choice of "theirs" or "yours", which fills the field. */

// The two-box picker: move the wanted choices into the chosen box, the rest out.
function choose(toBox, wanted) {
  "use strict";
  var fromBox = document.getElementById(toBox.id.replace(/_to$/, "_from"));
  if (!fromBox) {
    return;
  }
  Array.prototype.slice.call(fromBox.options).forEach(function (option) {
    if (wanted.indexOf(option.value) !== -1) {
      toBox.appendChild(option);
    }
  });
  Array.prototype.slice.call(toBox.options).forEach(function (option) {
    if (wanted.indexOf(option.value) === -1) {
      fromBox.appendChild(option);
    }
  });
  if (window.SelectBox) {
    window.SelectBox.init(fromBox.id);
    window.SelectBox.init(toBox.id);
  }
}

function optionFor(select, value, shown) {
  "use strict";
  var existing = Array.prototype.find.call(select.options, function (option) {
    return option.value === value;
  });
  if (existing || !value) {
    return existing;
  }
  var option = new Option(shown[select.name + "=" + value] || value, value);
  select.appendChild(option);
  return option;
}

// Give the form's field ``name`` the ``wanted`` values (a list of strings), as a browser
// would post them; ``shown`` names choices an autocomplete does not list yet.
function setField(form, name, wanted, shown) {
  "use strict";
  form.querySelectorAll('[name="' + name.replace(/"/g, '\\"') + '"]').forEach(function (el) {
    if (el.type === "file" || el.type === "submit") {
      return;
    }
    if (el.type === "checkbox" || el.type === "radio") {
      el.checked = wanted.indexOf(el.value) !== -1;
    } else if (el.tagName === "SELECT" && /_to$/.test(el.id)) {
      choose(el, wanted);
    } else if (el.tagName === "SELECT" && /_from$/.test(el.id)) {
      return;
    } else if (el.tagName === "SELECT") {
      wanted.forEach(function (value) { optionFor(el, value, shown); });
      Array.prototype.forEach.call(el.options, function (option) {
        option.selected = wanted.indexOf(option.value) !== -1;
      });
    } else {
      el.value = wanted.length ? wanted[0] : "";
    }
    el.dispatchEvent(new Event("input", { bubbles: true }));
    el.dispatchEvent(new Event("change", { bubbles: true }));
    if (el.tagName === "SELECT" && window.django && window.django.jQuery) {
      window.django.jQuery(el).trigger("change.select2");
    }
  });
}

function startAutosave() {
  "use strict";
  var box = document.getElementById("autosave");
  var form = box && box.closest("form");
  if (!form || !window.fetch || !window.JSON) {
    return;
  }
  var url = box.getAttribute("data-url");
  var key = box.getAttribute("data-key");
  var refusedPage = box.getAttribute("data-refused") === "1";
  var statusLine = box.querySelector(".autosave-status");
  var offer = box.querySelector(".autosave-offer");
  var WAIT = 2500;
  var FIRST_RETRY = 2000;
  var LONGEST_RETRY = 30000;
  var MANAGEMENT = /-(TOTAL|INITIAL|MIN_NUM|MAX_NUM)_FORMS$/;
  var SKIPPED = { csrfmiddlewaretoken: 1, _save: 1, _continue: 1, _addanother: 1 };
  var timer = null;
  var retryTimer = null;
  var failures = 0;
  var inFlight = false;
  var acked = null; // the serialised form the server holds
  var offering = false;
  var submitting = false;
  box.hidden = false;

  function csrfToken() {
    var field = form.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function say(text, kind) {
    statusLine.textContent = text;
    box.setAttribute("data-state", kind || "");
  }

  function clock(date) {
    return ("0" + date.getHours()).slice(-2) + ":" + ("0" + date.getMinutes()).slice(-2);
  }

  // --- the form as data ------------------------------------------------------------

  // Multiple choices are read from their selects, sorted: the admin's two-box picker
  // (SelectFilter) holds the chosen ones unselected in a "_to" box until the form is
  // submitted, and renames the original box "<name>_old".
  function multiples() {
    var found = {};
    form.querySelectorAll("select[multiple]").forEach(function (select) {
      if (!select.name || select.name.indexOf("__prefix__") !== -1 ||
          /_from$/.test(select.id)) {
        return;
      }
      var chosen = /_to$/.test(select.id) ? select.options : select.selectedOptions;
      found[select.name] = Array.prototype.map.call(chosen, function (option) {
        return option.value;
      }).sort();
    });
    return found;
  }

  function pairs() {
    var found = [];
    var several = multiples();
    var skipped = {};
    form.querySelectorAll('select[id$="_from"]').forEach(function (select) {
      skipped[select.name] = 1;
    });
    new FormData(form).forEach(function (value, name) {
      if (typeof value !== "string" || SKIPPED[name] || skipped[name] || several[name] ||
          name.indexOf("__prefix__") !== -1 || name.indexOf("merge-choice-") === 0) {
        return;
      }
      found.push([name, value]);
    });
    Object.keys(several).sort().forEach(function (name) {
      several[name].forEach(function (value) { found.push([name, value]); });
    });
    return found;
  }

  function labels() {
    var shown = {};
    form.querySelectorAll("select").forEach(function (select) {
      if (select.name.indexOf("__prefix__") !== -1) {
        return;
      }
      Array.prototype.forEach.call(select.selectedOptions || [], function (option) {
        if (option.value) {
          shown[select.name + "=" + option.value] = option.textContent.trim();
        }
      });
    });
    return shown;
  }

  function openedVersion() {
    var field = form.querySelector("input[name=opened_version]");
    var number = field ? parseInt(field.value, 10) : NaN;
    return isNaN(number) ? null : number;
  }

  // What the editor wrote, without the form's bookkeeping: to tell whether two differ.
  function content(list) {
    return JSON.stringify(list.filter(function (pair) {
      return pair[0] !== "opened_version" && !MANAGEMENT.test(pair[0]);
    }));
  }

  var pageState = JSON.stringify(pairs());
  var lastSeen = pageState; // the form as the last change left it

  function dirty() {
    return refusedPage || JSON.stringify(pairs()) !== pageState;
  }

  // --- the copy in this browser ------------------------------------------------------

  function readLocal() {
    try {
      return JSON.parse(window.localStorage.getItem(key) || "null");
    } catch (error) {
      return null;
    }
  }

  function writeLocal(entry) {
    try {
      window.localStorage.setItem(key, JSON.stringify(entry));
    } catch (error) { /* full or forbidden: the server copy still counts */ }
  }

  function dropLocal() {
    try {
      window.localStorage.removeItem(key);
    } catch (error) { /* nothing kept */ }
  }

  function keepLocal() {
    var now = new Date();
    writeLocal({
      data: pairs(),
      labels: labels(),
      opened_version: openedVersion(),
      at: now.getTime(),
      time: clock(now),
    });
  }

  // --- sending -------------------------------------------------------------------------

  function schedule() {
    lastSeen = JSON.stringify(pairs());
    if (offering || submitting) {
      return; // the copy kept in this browser may be the one on offer: leave it
    }
    keepLocal();
    window.clearTimeout(timer);
    timer = window.setTimeout(send, WAIT);
  }

  function retryLater(text) {
    failures += 1;
    var wait = Math.min(FIRST_RETRY * Math.pow(2, failures - 1), LONGEST_RETRY);
    say(text + " in " + Math.round(wait / 1000) + " s. Your changes are kept in this browser.",
      "failed");
    window.clearTimeout(retryTimer);
    retryTimer = window.setTimeout(send, wait);
  }

  function send() {
    window.clearTimeout(timer);
    window.clearTimeout(retryTimer);
    if (offering || submitting) {
      return;
    }
    var data = pairs();
    var serial = JSON.stringify(data);
    if (serial === acked || (acked === null && serial === pageState && !refusedPage)) {
      return; // nothing new to keep
    }
    if (inFlight) {
      timer = window.setTimeout(send, WAIT);
      return;
    }
    inFlight = true;
    say("Saving…", "saving");
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRFToken": csrfToken(),
      },
      body: JSON.stringify({ data: data, labels: labels(), opened_version: openedVersion() }),
    })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (answer) {
          return { ok: response.ok, status: response.status, answer: answer };
        });
      })
      .then(function (result) {
        inFlight = false;
        if (result.ok) {
          failures = 0;
          acked = serial;
          if (JSON.stringify(pairs()) === serial) {
            dropLocal(); // the server has all of it
          }
          say("Saved " + (result.answer.time || clock(new Date())) +
            " (autosave: press Save to update the article)", "saved");
          return;
        }
        if (result.status >= 500 || result.status === 429) {
          retryLater("Not saved: the server did not answer, retrying");
          return;
        }
        say("Not saved: " + (result.answer.message || "the server refused the autosave.") +
          " Your changes are kept in this browser.", "refused");
      })
      .catch(function () {
        inFlight = false;
        retryLater("Not saved: offline, retrying");
      });
  }

  // --- the offer to restore ------------------------------------------------------------

  function fieldLabel(name) {
    var row = /^(sections|citations)-(\d+)-(.+)$/.exec(name);
    var element = document.getElementById("id_" + name);
    var label = element && document.querySelector('label[for="id_' + name + '"]');
    var text = label ? label.textContent.replace(/:\s*$/, "").trim() : (row ? row[3] : name);
    if (row) {
      return (row[1] === "sections" ? "Section " : "Citation ") + (Number(row[2]) + 1) +
        ": " + text.toLowerCase();
    }
    return text;
  }

  function differences(saved) {
    var now = {};
    var then = {};
    pairs().forEach(function (pair) { (now[pair[0]] = now[pair[0]] || []).push(pair[1]); });
    saved.forEach(function (pair) { (then[pair[0]] = then[pair[0]] || []).push(pair[1]); });
    var names = [];
    Object.keys(then).concat(Object.keys(now)).forEach(function (name) {
      if (names.indexOf(name) !== -1 || name === "opened_version" || MANAGEMENT.test(name)) {
        return;
      }
      if (JSON.stringify(now[name] || [""]) !== JSON.stringify(then[name] || [""])) {
        names.push(name);
      }
    });
    return names.map(fieldLabel);
  }

  function button(text, className, onClick) {
    var node = document.createElement("button");
    node.type = "button";
    node.className = "button " + className;
    node.textContent = text;
    node.addEventListener("click", onClick);
    return node;
  }

  function addRows(data) {
    var wanted = {};
    data.forEach(function (pair) {
      var row = /^([a-z_]+)-(\d+)-/.exec(pair[0]);
      if (row) {
        wanted[row[1]] = Math.max(wanted[row[1]] || 0, Number(row[2]) + 1);
      }
    });
    Object.keys(wanted).forEach(function (prefix) {
      var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
      var add = document.querySelector("#" + prefix + "-group .add-row a");
      var guard = 0;
      while (total && add && Number(total.value) < wanted[prefix] && guard < 500) {
        add.click();
        guard += 1;
      }
    });
  }

  function fill(data, shown) {
    addRows(data);
    var values = {};
    data.forEach(function (pair) {
      if (!MANAGEMENT.test(pair[0])) {
        (values[pair[0]] = values[pair[0]] || []).push(pair[1]);
      }
    });
    Object.keys(values).forEach(function (name) {
      setField(form, name, values[name], shown);
    });
    // Unticked boxes are not posted: a box ticked now and not then is cleared.
    form.querySelectorAll("input[type=checkbox]").forEach(function (el) {
      if (el.name && !values[el.name] && el.name.indexOf("__prefix__") === -1 &&
          !SKIPPED[el.name] && el.name.indexOf("merge-choice-") !== 0) {
        el.checked = false;
      }
    });
  }

  function closeOffer() {
    offer.hidden = true;
    offer.textContent = "";
    offering = false;
  }

  function showOffer(candidate) {
    var changed = differences(candidate.data);
    offering = true;
    offer.textContent = "";
    var text = document.createElement("p");
    var listed = changed.slice(0, 6).join(", ") +
      (changed.length > 6 ? " and " + (changed.length - 6) + " more" : "");
    text.textContent = "You have unsaved changes from " + candidate.when + " (" +
      candidate.where + "). They differ from this form in: " + listed + ".";
    offer.appendChild(text);
    if (candidate.opened_version !== null && candidate.opened_version !== openedVersion()) {
      var stale = document.createElement("p");
      stale.textContent = "They were made on an earlier version of the article: saving them " +
        "shows what was changed since, to merge.";
      offer.appendChild(stale);
    }
    offer.appendChild(button("Restore them", "autosave-restore", function () {
      closeOffer();
      fill(candidate.data, candidate.labels || {});
      say("Restored the changes from " + candidate.when + ". Press Save to keep them.",
        "restored");
      schedule();
    }));
    offer.appendChild(button("Discard them", "autosave-discard", function () {
      closeOffer();
      dropLocal();
      fetch(url, {
        method: "DELETE",
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
      }).catch(function () { /* the next autosave replaces it anyway */ });
      say("Discarded the unsaved changes.", "discarded");
    }));
    offer.hidden = false;
  }

  function offerNewest(server) {
    var local = readLocal();
    if (local && local.submitted) {
      if (refusedPage) {
        delete local.submitted; // the save was refused: the form holds it, keep the copy
        writeLocal(local);
      } else {
        dropLocal(); // the save went through
        local = null;
      }
    }
    var candidates = [];
    if (server) {
      candidates.push({
        data: server.data, labels: server.labels, opened_version: server.opened_version,
        at: Date.parse(server.saved_at), when: server.time, where: "kept on the server",
      });
    }
    if (local && local.data) {
      candidates.push({
        data: local.data, labels: local.labels, opened_version: local.opened_version,
        at: local.at, when: local.time, where: "kept in this browser",
      });
    }
    candidates.sort(function (a, b) { return b.at - a.at; });
    var newest = candidates[0];
    if (!newest || refusedPage || content(newest.data) === content(pairs())) {
      if (newest && !refusedPage) {
        dropLocal();
      }
      return;
    }
    showOffer(newest);
  }

  fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) { return response.ok ? response.json() : { autosave: null }; })
    .then(function (answer) { offerNewest(answer.autosave); })
    .catch(function () { offerNewest(null); });

  // --- listening -------------------------------------------------------------------------

  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
  document.addEventListener("formset:added", schedule);
  document.addEventListener("formset:removed", schedule);
  // Widgets that change a field without an event (select2's choices): look now and then.
  window.setInterval(function () {
    if (!offering && !submitting && JSON.stringify(pairs()) !== lastSeen) {
      schedule();
    }
  }, 5000);

  window.addEventListener("online", function () {
    if (failures) {
      send();
    }
  });
  window.addEventListener("offline", function () {
    if (dirty()) {
      say("Not saved: offline, retrying when the connection is back. Your changes are " +
        "kept in this browser.", "failed");
    }
  });

  form.addEventListener("submit", function (event) {
    if (navigator.onLine === false) {
      event.preventDefault();
      keepLocal();
      say("Not saved: offline. Your changes are kept in this browser; save again when the " +
        "connection is back.", "failed");
      return;
    }
    submitting = true;
    window.clearTimeout(timer);
    window.clearTimeout(retryTimer);
    var entry = readLocal() || {};
    keepLocal();
    entry = readLocal() || entry;
    entry.submitted = true;
    writeLocal(entry);
  });

  window.addEventListener("beforeunload", function (event) {
    if (submitting || !dirty()) {
      return undefined;
    }
    event.preventDefault();
    event.returnValue = "";
    return "";
  });

  document.addEventListener("keydown", function (event) {
    if ((event.ctrlKey || event.metaKey) && !event.altKey && (event.key || "").toLowerCase() === "s") {
      event.preventDefault();
      var save = form.querySelector("input[name=_continue]") ||
        form.querySelector("input[name=_save]");
      if (form.requestSubmit) {
        form.requestSubmit(save || undefined);
      } else if (save) {
        save.click();
      }
    }
  });
}

function startMergeChoices() {
  "use strict";
  var merge = document.getElementById("merge-choices");
  var form = merge && merge.closest("form");
  if (!form) {
    return;
  }
  merge.addEventListener("change", function (event) {
    var choice = event.target;
    if (!choice.matches("input[type=radio][data-name]")) {
      return;
    }
    setField(form, choice.getAttribute("data-name"),
      JSON.parse(choice.getAttribute("data-values") || "[]"),
      JSON.parse(choice.getAttribute("data-labels") || "{}"));
  });
}

// The admin loads its scripts in <head>, before the form exists.
if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", function () {
    startAutosave();
    startMergeChoices();
  });
} else {
  startAutosave();
  startMergeChoices();
}
