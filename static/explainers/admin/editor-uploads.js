/* What happened to an image pasted or dropped into a Markdown editor, said next to it.

   django-markdownx reports a refused upload by writing "Invalid response" into the
   text; here the server's own message (what the file is, what to upload instead) is
   shown above the editor and that text is taken out again. An accepted image is an
   Image still needing alt text and a credit: the note links to it. markdownx's events
   do not bubble, so they are caught on their way down (capture). */
(function () {
  "use strict";
  var MARKDOWNX_ERROR_TEXT = "Invalid response";

  function noteFor(parent) {
    var note = parent.querySelector(".editor-upload-note");
    if (!note) {
      note = document.createElement("div");
      note.className = "editor-upload-note";
      parent.insertBefore(note, parent.firstChild);
    }
    return note;
  }

  function show(parent, kind, build) {
    var note = noteFor(parent);
    note.textContent = "";
    note.setAttribute("role", kind === "error" ? "alert" : "status");
    note.className = "editor-upload-note editor-upload-note--" + kind;
    build(note);
  }

  function messages(detail) {
    var response = detail && detail[0];
    var found = [];
    if (response && typeof response === "object") {
      Object.keys(response).forEach(function (field) {
        [].concat(response[field]).forEach(function (message) {
          if (typeof message === "string") found.push(message);
        });
      });
    }
    return found.length ? found : ["The image could not be uploaded. Try again, or upload it under Images."];
  }

  document.addEventListener(
    "markdownx.fileUploadError",
    function (event) {
      var parent = event.target;
      show(parent, "error", function (note) {
        var list = document.createElement("ul");
        list.className = "errorlist";
        messages(event.detail).forEach(function (message) {
          var item = document.createElement("li");
          item.textContent = message;
          list.appendChild(item);
        });
        note.appendChild(list);
      });
      // markdownx inserts its placeholder right after this event: take it out again.
      var editor = parent.querySelector("textarea");
      window.setTimeout(function () {
        if (!editor) return;
        var at = editor.value.lastIndexOf(MARKDOWNX_ERROR_TEXT);
        if (at !== -1) {
          editor.value = editor.value.slice(0, at) + editor.value.slice(at + MARKDOWNX_ERROR_TEXT.length);
        }
      }, 0);
    },
    true
  );

  document.addEventListener(
    "markdownx.fileUploadEnd",
    function (event) {
      var response = event.detail && event.detail[0];
      if (!response || !response.change_url) return;
      var needs = response.needs || [];
      if (!response.existing && !needs.length) return;
      show(event.target, "info", function (note) {
        function link(text) {
          var a = document.createElement("a");
          a.href = response.change_url;
          a.target = "_blank";
          a.rel = "noopener";
          a.textContent = text;
          return a;
        }
        if (response.existing) {
          // The server found the same pixels in the library and answered with that image.
          note.appendChild(document.createTextNode("This picture is already in the library, so that image is used instead of a copy: "));
          note.appendChild(link(response.label || "the existing image"));
          note.appendChild(document.createTextNode(needs.length ? ". It still needs " + needs.join(" and ") + " before the article can be published." : "."));
          return;
        }
        note.appendChild(document.createTextNode("Image added. It needs " + needs.join(" and ") + " before the article can be published: "));
        note.appendChild(link("describe and credit it"));
        note.appendChild(document.createTextNode("."));
      });
    },
    true
  );
})();
