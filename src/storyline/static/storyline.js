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

// "What's new since your last visit": the time of the last visit is kept in this browser
// (localStorage), never on the server; the story's updates since then come from the API.
(function () {
  var box = document.getElementById("whats-new");
  if (!box) return;
  var story = box.closest("[data-story]").getAttribute("data-story");
  var key = "storyline:visited:" + story;
  var now = new Date().toISOString();
  var last = null;
  try { last = window.localStorage.getItem(key); } catch (e) { return; }
  function remember() {
    try { window.localStorage.setItem(key, now); } catch (e) { /* private mode */ }
  }
  if (!last) { remember(); return; }
  var changes = {"new": "New fact", "corroborated": "Now corroborated", "conflict": "Now in conflict"};
  fetch(box.getAttribute("data-updates") + "?since=" + encodeURIComponent(last))
    .then(function (response) { return response.ok ? response.json() : null; })
    .then(function (updates) {
      if (!updates) return;
      var items = [];
      updates.sources.forEach(function (s) {
        items.push(["New source", s.label + (s.title ? ": " + s.title : ""),
                    "/articles/" + encodeURIComponent(s.article_id)]);
      });
      updates.facts.forEach(function (f) {
        items.push([changes[f.change] || "Fact", f.text +
                    (f.outlets.length ? " (" + f.outlets.join(", ") + ")" : "")]);
      });
      updates.quotes.forEach(function (q) {
        items.push(["New speaker", q.speaker + ": \u201c" + q.text + "\u201d"]);
      });
      updates.timeline.forEach(function (t) { items.push(["On the timeline", t.date + ": " + t.text]); });
      updates.revised.forEach(function (r) {
        items.push(["Revised", (r.outlet || r.title || r.article_id) + ": " +
                    r.sentences.map(function (s) { return s.text; }).join(" ")]);
      });
      var list = box.querySelector("ul.news");
      items.forEach(function (item) {
        var li = document.createElement("li");
        var label = document.createElement("strong");
        label.textContent = item[0] + ": ";
        li.appendChild(label);
        var text = document.createElement(item[2] ? "a" : "span");
        if (item[2]) text.setAttribute("href", item[2]);
        text.textContent = item[1];
        li.appendChild(text);
        list.appendChild(li);
      });
      var when = new Date(last).toLocaleString();
      box.querySelector(".when").textContent =
        (items.length ? items.length + " changes since " : "Nothing new since ") + when + ".";
      box.hidden = false;
      remember();
    })
    .catch(function () { /* offline: keep the last visit for next time */ });
})();
