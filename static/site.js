// sitegen's script: the search box and the copy buttons.
//
// The search box is hidden in the HTML and shown here, so readers without
// JavaScript never see a box that cannot work. Nothing is downloaded until the reader focuses
// the box or types: then Pagefind's UI (built with the site, under pagefind/) replaces it, with
// the text typed so far, its filters (author, keyword, venue, year) and the results.
(function () {
  "use strict";
  // Copy buttons (BibTeX): hidden without JavaScript, where the text stays readable and
  // selectable on the page.
  Array.prototype.forEach.call(document.querySelectorAll("button[data-copy]"), function (button) {
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (!source || !navigator.clipboard) return;
    var label = button.textContent;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(source.textContent).then(function () {
        button.textContent = "Copied";
        setTimeout(function () { button.textContent = label; }, 2000);
      });
    });
  });

  var root = document.getElementById("site-search");
  if (!root) return;
  var input = root.querySelector("input");
  var mount = document.getElementById("site-search-ui");
  var bundle = root.getAttribute("data-bundle");
  var started = false;
  root.hidden = false;

  function load(tag, attrs) {
    return new Promise(function (resolve, reject) {
      var el = document.createElement(tag);
      Object.keys(attrs).forEach(function (k) { el.setAttribute(k, attrs[k]); });
      el.onload = resolve;
      el.onerror = reject;
      document.head.appendChild(el);
    });
  }

  function start() {
    if (started) return;
    started = true;
    Promise.all([
      load("link", { rel: "stylesheet", href: bundle + "pagefind-ui.css" }),
      load("script", { src: bundle + "pagefind-ui.js" })
    ]).then(function () {
      var hadFocus = document.activeElement === input;
      // eslint-disable-next-line no-undef
      var ui = new PagefindUI({
        element: "#site-search-ui",
        bundlePath: bundle,
        baseUrl: root.getAttribute("data-base"),
        showSubResults: false,
        showImages: false,
        resetStyles: false,
        excerptLength: 24,
        translations: { placeholder: input.getAttribute("placeholder") }
      });
      input.parentNode.hidden = true;
      var box = mount.querySelector("input");
      if (box) {
        // Pagefind's box has a placeholder only; name it like the box it replaces.
        box.setAttribute("aria-label", input.labels[0].textContent);
        box.value = input.value;
        if (hadFocus) box.focus();
      }
      if (input.value) ui.triggerSearch(input.value);
    }, function () {
      started = false;
      root.setAttribute("data-error", "The search index could not be loaded.");
    });
  }

  input.addEventListener("focus", start);
  input.addEventListener("input", start);
  // The form does nothing by itself: results appear as the reader types.
  input.form.addEventListener("submit", function (e) { e.preventDefault(); start(); });
})();
