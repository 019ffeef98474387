/* Spoiler reveals, the reader's spoiler shield, and content-warning preferences.

   The server sends the same HTML to every reader: every spoiler section is a closed
   <details>, every inline ||spoiler|| a covered <span>. Without this script that still
   hides and reveals everything. With it:

   - a section's <summary> drives its reveal (aria-expanded, aria-controls) and the
     content is `hidden` while folded, so neither find-in-page nor a #fragment link can
     unfold it; if the browser unfolds a <details> by itself, it is folded straight back;
   - the shield (how far to reveal, "I have seen it", "I am up to <part>") is read from
     local storage, per work, and opens what it allows. Sections are folded in the HTML
     and only this script opens them, so no spoiler is ever painted before it decides;
   - withheld (spoiler) content warnings are shown in full when the reader asks, and the
     warnings a reader flagged are shown prominently wherever they occur.
*/
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  var WORK_KEY = "unspoiled.shield."; // + the work's slug
  var WARNINGS_KEY = "unspoiled.warnings";

  // -- small helpers -------------------------------------------------------------------

  function toInt(value, fallback) {
    var number = parseInt(value, 10);
    return isNaN(number) ? fallback : number;
  }

  // A map with no inherited keys: a warning slugged "constructor" is just a slug.
  function dict() {
    return Object.create(null);
  }

  function words(value) {
    return (value || "").split(/\s+/).filter(Boolean);
  }

  // The editor's preview frame has no storage: it gives the shield a store in memory.
  function storage() {
    return window.unspoiledStorage || window.localStorage;
  }

  function readJSON(key) {
    try {
      var raw = storage().getItem(key);
      return raw ? JSON.parse(raw) : null;
    } catch (error) {
      return null; // storage blocked or garbled: behave as a first visit
    }
  }

  function writeJSON(key, value) {
    try {
      if (value === null) {
        storage().removeItem(key);
      } else {
        storage().setItem(key, JSON.stringify(value));
      }
    } catch (error) {
      // Storage blocked: the choice still applies to this page.
    }
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function plural(count, one, many) {
    return count + " " + (count === 1 ? one : many);
  }

  var announceTimer;
  function announce(message) {
    var live = document.getElementById("announcer");
    if (!live) {
      live = element("div", "visually-hidden");
      live.id = "announcer";
      live.setAttribute("role", "status");
      live.setAttribute("aria-live", "polite");
      document.body.appendChild(live);
    }
    // Emptied first so that the same message twice is read twice.
    live.textContent = "";
    window.clearTimeout(announceTimer);
    announceTimer = window.setTimeout(function () {
      live.textContent = message;
    }, 60);
  }

  // Spoiler images arrive as a tiny blurred placeholder with their real sources and alt
  // text in data-srcset / data-src / data-alt; those are put in place when their section
  // (or inline spoiler) opens, and only then does the browser request them. A <source>
  // gets its srcset before its <img> changes, so the browser picks WebP first time.
  function loadDeferredMedia(root) {
    root.querySelectorAll("img.deferred-media[data-src]").forEach(function (img) {
      // An image held at a higher level inside what opened waits for its own reveal.
      var holder = img.parentNode.closest(".spoiler");
      if (holder && holder !== root && root.contains(holder) && !holder.classList.contains("is-revealed")) return;
      var picture = img.parentNode && img.parentNode.tagName === "PICTURE" ? img.parentNode : null;
      if (picture) {
        picture.querySelectorAll("source[data-srcset]").forEach(function (source) {
          source.srcset = source.getAttribute("data-srcset");
          source.removeAttribute("data-srcset");
        });
      }
      img.alt = img.getAttribute("data-alt") || "";
      if (img.hasAttribute("data-srcset")) {
        img.srcset = img.getAttribute("data-srcset");
        img.removeAttribute("data-srcset");
      }
      img.src = img.getAttribute("data-src");
      img.removeAttribute("data-src");
      img.removeAttribute("data-alt");
      img.classList.add("is-revealed");
    });
  }

  // -- spoiler sections ----------------------------------------------------------------

  var gates = [];

  function renderGate(gate) {
    gate.content.hidden = !gate.open;
    if (gate.details.open !== gate.open) gate.details.open = gate.open;
    gate.summary.setAttribute("aria-expanded", gate.open ? "true" : "false");
    gate.section.classList.toggle("is-shield-revealed", gate.open && gate.by === "shield");
    gate.note.hidden = !(gate.open && gate.by === "shield");
    if (gate.open) loadDeferredMedia(gate.content);
    followSections();
  }

  function setGate(gate, open, by) {
    gate.open = open;
    gate.by = open ? by : null;
    if (by === "reader") {
      // Folded by hand: the shield leaves it folded until the reader changes a setting.
      gate.refused = !open;
    }
    renderGate(gate);
  }

  function setUpGate(details, index) {
    var summary = details.querySelector("summary");
    var content = details.querySelector(".spoiler-gate__content");
    if (!summary || !content) return;
    var section = details.closest(".section") || details;
    if (!content.id) content.id = (section.id || "spoiler-" + (index + 1)) + "-body";
    var heading = details.querySelector(".spoiler-gate__heading");
    // Says why a section is open when the reader did not open it themselves.
    var note = element("span", "spoiler-gate__auto", "Opened by your spoiler shield");
    note.hidden = true;
    summary.appendChild(note);
    var gate = {
      details: details,
      summary: summary,
      content: content,
      section: section,
      note: note,
      name: heading ? heading.textContent.trim() : "section",
      level: toInt(section.getAttribute("data-level"), 1),
      through: toInt(section.getAttribute("data-reveals-through"), null),
      open: false,
      by: null,
      refused: false,
    };
    summary.setAttribute("aria-controls", content.id);
    renderGate(gate);
    // A section opens only when the reader asks (a click, or Enter/Space, which the
    // browser turns into a click on the summary) or when their shield allows it.
    summary.addEventListener("click", function (event) {
      event.preventDefault();
      setGate(gate, !gate.open, "reader");
      announce((gate.open ? "Spoiler section revealed: " : "Spoiler section hidden again: ") + gate.name);
      updateStatus();
    });
    // The browser unfolds <details> by itself for find-in-page and for links into the
    // section (a shared #fragment): whatever it does is undone.
    details.addEventListener("toggle", function () {
      if (details.open !== gate.open) details.open = gate.open;
    });
    gates.push(gate);
  }

  // -- inline spoilers -----------------------------------------------------------------

  var inlines = [];

  // Held spoilers carry a level (data-level, data-level-name, shown on the bar): a note
  // cited from a spoiler section, an image above the level of the section showing it.
  // They open when the shield reaches their level; a note with data-opens-with (the ids
  // of the sections citing it at its level) also opens with any of those sections, and
  // never by a click on the bar.
  function hiddenLabel(item) {
    if (item.level === null) return "Hidden spoiler. Activate to reveal.";
    var name = item.levelName || "Level " + item.level;
    if (item.openers) return "Hidden " + name + " spoiler: it opens with the section citing it.";
    return "Hidden " + name + " spoiler. Activate to reveal.";
  }

  function renderInline(item) {
    var span = item.span;
    span.classList.toggle("is-revealed", item.open);
    if (!item.openers) span.setAttribute("aria-expanded", item.open ? "true" : "false");
    if (item.open) {
      span.removeAttribute("aria-label");
      loadDeferredMedia(span);
    } else {
      span.setAttribute("aria-label", hiddenLabel(item));
    }
  }

  // Opened by a section citing it: the note follows its sections.
  function openedBySection(item) {
    return item.openers.some(function (id) {
      return gates.some(function (gate) {
        return gate.open && gate.section.id === id;
      });
    });
  }

  function followSections() {
    inlines.forEach(function (item) {
      if (!item.openers) return;
      var open = openedBySection(item) || (item.open && item.by === "shield");
      if (open !== item.open) setInline(item, open, open ? "section" : null);
    });
  }

  function setInline(item, open, by) {
    item.open = open;
    item.by = open ? by : null;
    if (by === "reader") item.refused = !open;
    renderInline(item);
  }

  function setUpInlineSpoiler(span, index) {
    // The revealed text is announced between "Spoiler:" and "(end of spoiler)".
    var text = element("span", "spoiler__text");
    text.id = "inline-spoiler-" + (index + 1);
    var label = null;
    while (span.firstChild) {
      var child = span.firstChild;
      if (!label && child.nodeType === 1 && child.classList.contains("spoiler__level")) {
        label = span.removeChild(child); // the level stays on the bar, outside the text
      } else {
        text.appendChild(child);
      }
    }
    if (label) span.appendChild(label);
    span.appendChild(element("span", "visually-hidden", "Spoiler: "));
    span.appendChild(text);
    span.appendChild(element("span", "visually-hidden", " (end of spoiler)"));
    var openers = span.hasAttribute("data-opens-with") ? words(span.getAttribute("data-opens-with")) : [];
    var item = {
      span: span,
      open: false,
      by: null,
      refused: false,
      level: toInt(span.getAttribute("data-level"), null),
      levelName: span.getAttribute("data-level-name") || "",
      openers: openers.length ? openers : null,
    };
    if (item.openers) {
      // Not a control: it opens with the section(s) citing it, or by the shield.
      span.removeAttribute("tabindex");
      span.setAttribute("role", "note");
      inlines.push(item);
      renderInline(item);
      return;
    }
    span.setAttribute("role", "button");
    span.setAttribute("tabindex", "0");
    span.setAttribute("aria-controls", text.id);
    renderInline(item);

    function toggle(event) {
      // A link inside a revealed spoiler is followed, not taken as "hide".
      if (item.open && event.type === "click" && event.target.closest("a")) return;
      event.preventDefault();
      setInline(item, !item.open, "reader");
      announce(item.open ? "Spoiler revealed." : "Spoiler hidden again.");
    }
    span.addEventListener("click", toggle);
    span.addEventListener("keydown", function (event) {
      if (event.target !== span) return;
      if (event.key === "Enter" || event.key === " ") toggle(event);
    });
    inlines.push(item);
  }

  // -- the reader's shield, per work ---------------------------------------------------

  var article = document.querySelector("article[data-work]");
  var workSlug = article ? article.getAttribute("data-work") : "";
  // How far the page opens for a reader who has chosen nothing: nothing, unless the work
  // has been out long enough for the site to relax (the spoiler window). The same for
  // every reader, so it is part of the cached HTML; a reader's own level always wins.
  var siteTolerance = article ? Math.max(0, toInt(article.getAttribute("data-default-tolerance"), 0)) : 0;
  var prefs = defaultPrefs();

  // tolerance null: the reader has not chosen a level, the site's default applies.
  function defaultPrefs() {
    return { tolerance: null, progress: null, progressLabel: "", seen: false };
  }

  function tolerance() {
    return prefs.tolerance === null ? siteTolerance : prefs.tolerance;
  }

  function loadPrefs() {
    var saved = workSlug ? readJSON(WORK_KEY + workSlug) : null;
    var loaded = defaultPrefs();
    if (saved && typeof saved === "object") {
      var chosen = toInt(saved.tolerance, null);
      loaded.tolerance = chosen === null ? null : Math.max(0, chosen);
      loaded.progress = toInt(saved.progress, null);
      loaded.progressLabel = typeof saved.progressLabel === "string" ? saved.progressLabel : "";
      loaded.seen = saved.seen === true;
    }
    return loaded;
  }

  function savePrefs() {
    if (!workSlug) return;
    var isDefault = prefs.tolerance === null && prefs.progress === null && !prefs.seen;
    writeJSON(WORK_KEY + workSlug, isDefault ? null : prefs);
  }

  // A held spoiler names no part: once progress is set, any level above 0 may go past it.
  function beyondProgressAt(level) {
    return prefs.progress !== null && level > 0;
  }

  // Past the reader's progress: a later part, or, once progress is set, a spoiler
  // section whose part nobody recorded (it may cover the finale).
  function beyondProgress(gate) {
    if (prefs.progress === null) return false;
    if (gate.through === null) return gate.level > 0;
    return gate.through > prefs.progress;
  }

  // A section opens by itself only within the reader's level, and never past the part
  // they are up to (whatever its level); "I have seen it" opens everything.
  function shieldAllows(gate) {
    if (prefs.seen) return true;
    return gate.level <= tolerance() && !beyondProgress(gate);
  }

  // reason: "load", "change" (the reader changed a setting), "sync" (another tab did)
  // or "reset" (fold everything, then apply the defaults).
  function applyShield(reason) {
    var reset = reason === "reset";
    gates.forEach(function (gate) {
      if (reason === "change" || reset) gate.refused = false;
      if (reset && gate.open) setGate(gate, false, "shield");
      var allowed = shieldAllows(gate);
      if (allowed && !gate.open && !gate.refused) {
        setGate(gate, true, "shield");
      } else if (!allowed && gate.open && gate.by === "shield") {
        setGate(gate, false, "shield");
      }
    });
    // A plain inline spoiler carries no level: only "I have seen it" opens it. A held
    // one opens when the shield reaches its level.
    inlines.forEach(function (item) {
      if (reason === "change" || reset) item.refused = false;
      if (reset && item.open) setInline(item, false, "shield");
      var allowed = prefs.seen || (item.level !== null && item.level <= tolerance() && !beyondProgressAt(item.level));
      if (allowed && !item.open && !item.refused) {
        setInline(item, true, "shield");
      } else if (!allowed && item.open && item.by === "shield") {
        setInline(item, false, "shield");
      }
    });
    followSections();
    applyWarnings();
    updatePanel();
  }

  // -- content warnings ----------------------------------------------------------------

  var warningPrefs = loadWarningPrefs();
  var warningNames = dict(); // slug -> name, from the warnings box
  var withheldSlugs = dict();
  var withheldBox = document.querySelector(".warnings__withheld");
  var withheldOpenedByShield = false;
  var summaryTexts = []; // [span, original text, slugs] of each section's warning line

  function loadWarningPrefs() {
    var saved = readJSON(WARNINGS_KEY);
    var loaded = { full: false, flagged: dict() };
    if (saved && typeof saved === "object") {
      loaded.full = saved.full === true;
      if (saved.flagged && typeof saved.flagged === "object") {
        Object.keys(saved.flagged).forEach(function (slug) {
          if (typeof saved.flagged[slug] === "string") loaded.flagged[slug] = saved.flagged[slug];
        });
      }
    }
    return loaded;
  }

  function saveWarningPrefs() {
    var isDefault = !warningPrefs.full && !Object.keys(warningPrefs.flagged).length;
    writeJSON(WARNINGS_KEY, isDefault ? null : warningPrefs);
  }

  function warningsInFull() {
    return warningPrefs.full || prefs.seen;
  }

  function setUpWarnings() {
    document.querySelectorAll("[data-warning]").forEach(function (item) {
      var slug = item.getAttribute("data-warning");
      warningNames[slug] = item.textContent.trim();
      if (item.hasAttribute("data-withheld")) withheldSlugs[slug] = true;
    });
    document.querySelectorAll(".section[data-warnings]").forEach(function (section) {
      var line = section.querySelector(".spoiler-gate__summary .section-warnings, .section > p > .section-warnings");
      if (line) summaryTexts.push([line, line.textContent, words(section.getAttribute("data-warnings"))]);
    });
    if (withheldBox) {
      withheldBox.addEventListener("toggle", function () {
        if (!withheldBox.open) withheldOpenedByShield = false;
        renderSensitivities();
      });
    }
  }

  function sectionHeading(section) {
    var heading = section.querySelector(".spoiler-gate__heading") || section.querySelector(".section__heading");
    return heading ? heading.textContent.trim() : "";
  }

  function flagChip(names) {
    var chip = element("span", "flag-chip");
    chip.appendChild(element("span", "flag-chip__label", "Flagged for you:"));
    chip.appendChild(document.createTextNode(" " + names.join(", ")));
    return chip;
  }

  function applyWarnings() {
    var full = warningsInFull();
    if (withheldBox) {
      if (full && !withheldBox.open) {
        withheldBox.open = true;
        withheldOpenedByShield = true;
      } else if (!full && withheldBox.open && withheldOpenedByShield) {
        withheldBox.open = false;
        withheldOpenedByShield = false;
      }
    }
    // Each section's warning line: counts only, or every name when asked for in full.
    summaryTexts.forEach(function (entry) {
      var line = entry[0];
      var hasWithheld = entry[2].some(function (slug) {
        return withheldSlugs[slug];
      });
      if (full && hasWithheld) {
        var names = entry[2].map(function (slug) {
          return (warningNames[slug] || slug).toLowerCase();
        });
        line.textContent = "Content warning: " + names.join(", ");
      } else {
        line.textContent = entry[1];
      }
    });

    // The reader's flagged warnings: on the sections' gates, in the box, and at the top.
    document.querySelectorAll(".flag-chip").forEach(function (chip) {
      chip.remove();
    });
    var flagged = warningPrefs.flagged;
    var found = dict(); // slug -> [section, ...]
    document.querySelectorAll(".section[data-warnings]").forEach(function (section) {
      var mine = words(section.getAttribute("data-warnings")).filter(function (slug) {
        return flagged[slug];
      });
      if (!mine.length) return;
      var names = mine.map(function (slug) {
        (found[slug] = found[slug] || []).push(section);
        return flagged[slug];
      });
      var chip = flagChip(names);
      var action = section.querySelector(".spoiler-gate__action");
      if (action) {
        action.parentNode.insertBefore(chip, action);
      } else {
        var heading = section.querySelector(".section__heading");
        if (heading) heading.insertAdjacentElement("afterend", chip);
      }
      section.classList.add("is-flagged");
    });
    document.querySelectorAll(".section.is-flagged").forEach(function (section) {
      var mine = words(section.getAttribute("data-warnings")).some(function (slug) {
        return flagged[slug];
      });
      if (!mine) section.classList.remove("is-flagged");
    });
    document.querySelectorAll("[data-warning]").forEach(function (item) {
      item.classList.toggle("is-flagged", !!flagged[item.getAttribute("data-warning")]);
    });
    renderFlaggedBanner(found);
  }

  function renderFlaggedBanner(found) {
    var banner = document.querySelector("[data-flagged]");
    if (!banner) return;
    var slugs = Object.keys(found).sort(function (a, b) {
      return warningPrefs.flagged[a].localeCompare(warningPrefs.flagged[b]);
    });
    banner.textContent = "";
    banner.hidden = !slugs.length;
    if (!slugs.length) return;
    banner.appendChild(element("p", "flagged__title", "Flagged for you"));
    var list = element("ul", "flagged__list");
    slugs.forEach(function (slug) {
      var item = element("li");
      item.appendChild(element("strong", "", warningPrefs.flagged[slug]));
      item.appendChild(document.createTextNode(" in "));
      found[slug].forEach(function (section, index) {
        if (index) item.appendChild(document.createTextNode(index === found[slug].length - 1 ? " and " : ", "));
        var link = element("a", "", sectionHeading(section) || "a section");
        link.href = "#" + section.id;
        item.appendChild(link);
      });
      list.appendChild(item);
    });
    banner.appendChild(list);
  }

  // -- the shield panel ----------------------------------------------------------------

  var panel = document.querySelector("[data-shield]");

  function pageLevels() {
    var names = {};
    document.querySelectorAll("article[data-work] .section[data-level]").forEach(function (section) {
      var rank = toInt(section.getAttribute("data-level"), null);
      if (rank !== null && !(rank in names)) {
        names[rank] = section.getAttribute("data-level-name") || (rank ? "Level " + rank : "Spoiler-free");
      }
    });
    if (!(0 in names)) names[0] = "Spoiler-free";
    return Object.keys(names)
      .map(Number)
      .sort(function (a, b) {
        return a - b;
      })
      .map(function (rank) {
        return { rank: rank, name: names[rank] };
      });
  }

  // Every part of the work (so a reader can say where they are even between the parts
  // this article covers), plus any a section names.
  function pageParts() {
    var labels = {};
    document.querySelectorAll("[data-work-parts] [data-position]").forEach(function (part) {
      var position = toInt(part.getAttribute("data-position"), null);
      if (position !== null) labels[position] = part.textContent.trim();
    });
    document.querySelectorAll("article[data-work] .section[data-reveals-through]").forEach(function (section) {
      var position = toInt(section.getAttribute("data-reveals-through"), null);
      if (position !== null) labels[position] = section.getAttribute("data-part") || "Part " + position;
    });
    return labels;
  }

  function setUpPanel() {
    var levels = pageLevels();
    var options = panel.querySelector("[data-shield-level-options]");
    levels.forEach(function (level) {
      var option = element("span", "segmented__option");
      var input = element("input", "segmented__input");
      input.type = "radio";
      input.name = "shield-level";
      input.id = "shield-level-" + level.rank;
      input.value = String(level.rank);
      var label = element("label", "segmented__label level-" + level.rank, level.name);
      label.htmlFor = input.id;
      function choose() {
        if (!input.checked || prefs.tolerance === level.rank) return;
        prefs.tolerance = level.rank;
        changed();
      }
      input.addEventListener("change", choose);
      // A level saved elsewhere (say Twist, where this page has only Setup and Ending)
      // shows as the nearest one below; choosing that one must still take effect,
      // although the radio was already checked and fires no change.
      input.addEventListener("click", choose);
      option.appendChild(input);
      option.appendChild(label);
      options.appendChild(option);
    });
    panel.querySelector("[data-shield-levels]").hidden = levels.length < 2;

    var parts = pageParts();
    var select = panel.querySelector("#shield-progress");
    Object.keys(parts)
      .map(Number)
      .sort(function (a, b) {
        return a - b;
      })
      .forEach(function (position) {
        var option = element("option", "", parts[position]);
        option.value = String(position);
        select.appendChild(option);
      });
    panel.querySelector("[data-shield-progress]").hidden = !Object.keys(parts).length;
    select.addEventListener("change", function () {
      var position = toInt(select.value, null);
      prefs.progress = position;
      prefs.progressLabel = position === null ? "" : select.options[select.selectedIndex].text;
      changed();
    });

    var seen = panel.querySelector("[data-shield-seen]");
    seen.addEventListener("change", function () {
      prefs.seen = seen.checked;
      changed();
    });

    panel.querySelector("[data-shield-reset]").addEventListener("click", function () {
      prefs = defaultPrefs();
      savePrefs();
      // "Show warnings in full" reveals plot points: a reset takes it back too. Flagged
      // sensitivities protect the reader, so they stay.
      warningPrefs.full = false;
      saveWarningPrefs();
      applyWarnings();
      updatePanel();
      applyShield("reset");
      announce("Spoiler shield reset. " + statusText());
    });

    var more = panel.querySelector("[data-shield-more]");
    var region = document.getElementById(more.getAttribute("aria-controls"));
    more.addEventListener("click", function () {
      var open = more.getAttribute("aria-expanded") !== "true";
      more.setAttribute("aria-expanded", open ? "true" : "false");
      region.hidden = !open;
    });

    var full = panel.querySelector("[data-shield-full-warnings]");
    full.addEventListener("change", function () {
      warningPrefs.full = full.checked;
      saveWarningPrefs();
      applyWarnings();
      renderSensitivities();
    });

    panel.hidden = false;
  }

  function changed() {
    savePrefs();
    applyShield("change");
    announce(statusText());
  }

  function updatePanel() {
    if (!panel || panel.hidden) return;
    var radios = panel.querySelectorAll("input[name='shield-level']");
    // A level saved on another explainer may be higher than any here: the highest level
    // at or below it stands for it.
    var chosen = null;
    radios.forEach(function (radio) {
      if (toInt(radio.value, 0) <= tolerance()) chosen = radio;
    });
    radios.forEach(function (radio) {
      radio.checked = radio === chosen;
    });
    var select = panel.querySelector("#shield-progress");
    var value = prefs.progress === null ? "" : String(prefs.progress);
    if (value && !select.querySelector("option[value='" + value + "']")) {
      // Progress saved on another explainer, at a part this one does not mention.
      var option = element("option", "", prefs.progressLabel || "Part " + value);
      option.value = value;
      select.appendChild(option);
    }
    select.value = value;
    panel.querySelector("[data-shield-seen]").checked = prefs.seen;
    panel.querySelector("[data-shield-levels]").disabled = prefs.seen;
    select.disabled = prefs.seen;
    panel.querySelector("[data-shield-full-warnings]").checked = warningPrefs.full;
    updateStatus();
    renderSensitivities();
  }

  function statusText() {
    var total = gates.length;
    if (prefs.seen) return "You have seen it: everything here is revealed, and on every explainer about this work.";
    if (!total) return inlines.length ? "Only short inline spoilers here: select one to reveal it." : "Nothing in this explainer is folded away.";
    var opened = gates.filter(shieldAllows).length;
    var held = gates.filter(function (gate) {
      return gate.level <= tolerance() && beyondProgress(gate);
    }).length;
    var heldText = held
      ? " " + plural(held, "section stays", "sections stay") + " folded: " + (held === 1 ? "it goes" : "they go") + " past " + (prefs.progressLabel || "where you are up to") + "."
      : "";
    if (!opened) {
      if (held) return "Nothing is revealed for you." + heldText;
      return "All " + plural(total, "spoiler section stays", "spoiler sections stay") + " folded until you open them.";
    }
    var why = prefs.tolerance === null ? ": this work has been out long enough for that to be the default. Choose a level to change it." : " for you.";
    if (opened === total) return "Revealing every spoiler section" + why + heldText;
    return "Revealing " + opened + " of " + plural(total, "spoiler section", "spoiler sections") + why + heldText;
  }

  function updateStatus() {
    if (!panel) return;
    var status = panel.querySelector("[data-shield-status]");
    if (status) status.textContent = statusText();
  }

  // The warnings a reader may flag: those named on this page, the withheld ones once the
  // reader has chosen to see them, and any flagged before, on other pages.
  function renderSensitivities() {
    if (!panel || panel.hidden) return;
    var list = panel.querySelector("[data-shield-sensitivities]");
    var showWithheld = warningsInFull() || (withheldBox && withheldBox.open);
    var candidates = dict();
    Object.keys(warningNames).forEach(function (slug) {
      if (!withheldSlugs[slug] || showWithheld || warningPrefs.flagged[slug]) candidates[slug] = warningNames[slug];
    });
    Object.keys(warningPrefs.flagged).forEach(function (slug) {
      if (!(slug in candidates)) candidates[slug] = warningPrefs.flagged[slug];
    });
    var focused = document.activeElement && list.contains(document.activeElement) ? document.activeElement.id : null;
    list.textContent = "";
    var slugs = Object.keys(candidates).sort(function (a, b) {
      return candidates[a].localeCompare(candidates[b]);
    });
    if (!slugs.length) {
      list.appendChild(element("li", "shield__empty", "No content warnings on this explainer."));
      return;
    }
    slugs.forEach(function (slug) {
      var item = element("li", "shield__check");
      var input = element("input");
      input.type = "checkbox";
      input.id = "flag-" + slug;
      input.checked = !!warningPrefs.flagged[slug];
      var label = element("label", "", candidates[slug]);
      label.htmlFor = input.id;
      if (!(slug in warningNames)) label.appendChild(element("span", "shield__aside", " (not in this explainer)"));
      input.addEventListener("change", function () {
        if (input.checked) {
          warningPrefs.flagged[slug] = candidates[slug];
        } else {
          delete warningPrefs.flagged[slug];
        }
        saveWarningPrefs();
        applyWarnings();
        announce(input.checked ? candidates[slug] + " will be flagged prominently." : candidates[slug] + " is no longer flagged.");
      });
      item.appendChild(input);
      item.appendChild(label);
      list.appendChild(item);
    });
    if (focused && document.getElementById(focused)) document.getElementById(focused).focus();
  }

  // -- start ---------------------------------------------------------------------------

  function init() {
    document.querySelectorAll("details.spoiler-gate").forEach(setUpGate);
    document.querySelectorAll(".spoiler").forEach(setUpInlineSpoiler);
    setUpWarnings();
    if (panel && workSlug) setUpPanel();
    prefs = loadPrefs();
    applyShield("load");

    // Another tab changed a setting: follow it.
    window.addEventListener("storage", function (event) {
      if (workSlug && event.key === WORK_KEY + workSlug) {
        prefs = loadPrefs();
        applyShield("sync");
      } else if (event.key === WARNINGS_KEY) {
        warningPrefs = loadWarningPrefs();
        applyWarnings();
        updatePanel();
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
