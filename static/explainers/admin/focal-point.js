/* The focal point, set on the picture: a click puts it where the subject is; with the
   picture focused, the arrow keys move it (Shift: ten times as far). The "across" and
   "down" numbers are filled in, and saved by the form as if typed; the hero and teaser
   crops beside the picture follow live, computed as imaging.focal_crop computes them. */
(function () {
  "use strict";
  var STEP = 0.01;

  function clamp(value) { return Math.min(1, Math.max(0, value)); }
  function rounded(value) { return Math.round(value * 1000) / 1000; }

  // The largest box of the crop's shape inside the picture, as centred on the point as
  // the edges allow (explainers/imaging.py focal_crop).
  function crop(width, height, ratio, fx, fy) {
    var cropW, cropH;
    if (width / height > ratio) {
      cropW = Math.max(1, Math.round(height * ratio));
      cropH = height;
    } else {
      cropW = width;
      cropH = Math.max(1, Math.round(width / ratio));
    }
    var left = Math.min(Math.max(Math.round(fx * width - cropW / 2), 0), width - cropW);
    var top = Math.min(Math.max(Math.round(fy * height - cropH / 2), 0), height - cropH);
    return { left: left, top: top, width: cropW, height: cropH };
  }

  function setUp(picker) {
    var fieldX = document.getElementById("id_focal_x");
    var fieldY = document.getElementById("id_focal_y");
    var stage = picker.querySelector(".focal-picker-stage");
    var marker = picker.querySelector(".focal-picker-marker");
    var status = picker.querySelector(".focal-picker-status");
    var width = Number(picker.getAttribute("data-width"));
    var height = Number(picker.getAttribute("data-height"));
    var editable = fieldX && fieldY && !fieldX.disabled;

    function point() {
      var x = parseFloat(fieldX ? fieldX.value : picker.getAttribute("data-focal-x"));
      var y = parseFloat(fieldY ? fieldY.value : picker.getAttribute("data-focal-y"));
      var set = !isNaN(x) && !isNaN(y);
      return { x: set ? clamp(x) : 0.5, y: set ? clamp(y) : 0.5, set: set };
    }

    function draw() {
      var p = point();
      marker.style.left = p.x * 100 + "%";
      marker.style.top = p.y * 100 + "%";
      status.textContent = p.set
        ? "Focal point: " + Math.round(p.x * 100) + "% across, " + Math.round(p.y * 100) + "% down."
        : "No focal point: the crops are centred.";
      picker.querySelectorAll(".focal-crop").forEach(function (box) {
        var ratio = Number(box.getAttribute("data-ratio-w")) / Number(box.getAttribute("data-ratio-h"));
        var c = crop(width, height, ratio, p.x, p.y);
        var scale = box.clientWidth / c.width;
        var img = box.querySelector("img");
        img.style.width = width * scale + "px";
        img.style.left = -c.left * scale + "px";
        img.style.top = -c.top * scale + "px";
      });
    }

    function place(x, y) {
      fieldX.value = rounded(clamp(x));
      fieldY.value = rounded(clamp(y));
      [fieldX, fieldY].forEach(function (field) {
        field.dispatchEvent(new Event("input", { bubbles: true }));
        field.dispatchEvent(new Event("change", { bubbles: true }));
      });
      draw();
    }

    if (editable) {
      picker.classList.add("focal-picker-ready");
      stage.tabIndex = 0;
      stage.addEventListener("click", function (event) {
        var box = stage.querySelector("img").getBoundingClientRect();
        place((event.clientX - box.left) / box.width, (event.clientY - box.top) / box.height);
      });
      stage.addEventListener("keydown", function (event) {
        var moves = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
        var move = moves[event.key];
        if (!move) return;
        event.preventDefault();
        var step = event.shiftKey ? STEP * 10 : STEP;
        var p = point();
        place(p.x + move[0] * step, p.y + move[1] * step);
      });
      [fieldX, fieldY].forEach(function (field) { field.addEventListener("input", draw); });
    }
    window.addEventListener("resize", draw);
    picker.querySelectorAll("img").forEach(function (img) {
      if (!img.complete) img.addEventListener("load", draw);
    });
    draw();
  }

  function start() {
    document.querySelectorAll(".focal-picker").forEach(setUp);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
