// A citation mark lights up the sentence it cites, in the cited source's text below.
"use strict";
document.addEventListener("click", function (event) {
  var cite = event.target.closest("a.cite[data-spans]");
  if (!cite) return;
  var spans = JSON.parse(cite.getAttribute("data-spans") || "[]");
  if (!spans.length) return;
  event.preventDefault();
  document.querySelectorAll(".hl").forEach(function (el) { el.classList.remove("hl"); });
  document.querySelectorAll(".cite.active").forEach(function (el) { el.classList.remove("active"); });
  cite.classList.add("active");
  var first = null;
  spans.forEach(function (span) {
    var key = span[1] + "-" + span[2];
    document.querySelectorAll(".source-text").forEach(function (box) {
      if (box.getAttribute("data-article") !== span[0]) return;
      box.open = true;
      box.querySelectorAll(".cited").forEach(function (part) {
        if ((part.getAttribute("data-c") || "").split(" ").indexOf(key) >= 0) {
          part.classList.add("hl");
          first = first || part;
        }
      });
    });
  });
  if (first) first.scrollIntoView({block: "center"});
});
