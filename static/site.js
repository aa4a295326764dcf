// sitegen's script: the search box, the copy buttons, and keyboard access to what scrolls.
//
// The search box is hidden in the HTML and shown here, so readers without JavaScript never see a
// box that cannot work. Nothing is downloaded until the reader focuses the box or types: then
// Pagefind's search library (built with the site, under pagefind/) is loaded and results appear
// as the reader types. The filters (author, keyword, venue, year) are offered once a search has
// started, and their files are only downloaded when the reader opens them: on a large list they
// weigh more than everything else a query needs.
//
// On a long list, the words most summaries use are left out of the summaries' index (they are
// kept in titles, authors, keywords, venues and first sentences) and listed in the bundle's
// sitegen-common-words.json. A query's other words find the papers, the papers that also match
// the common words come first, and the results show each paper's first sentence, since
// Pagefind's excerpt would be cut from the text without those words.
//
// Text from the index (titles, authors, excerpts) comes from summaries, which are untrusted: it
// is only ever set as text (excerpts are parsed inertly and rebuilt as text and <mark>).
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

  // Summaries' paragraphs, lists, tables and display math scroll sideways when wide math does
  // not fit (style.css). The ones that do scroll get into the tab order, so that keyboards can
  // scroll them too, and leave it when a wider window fits them; the others stay out of it.
  var SCROLLERS = ".summary p, .summary ul, .summary ol, .summary table, .summary td, "
    + ".summary th, .katex-display, .math-display";
  function focusScrollers() {
    Array.prototype.forEach.call(document.querySelectorAll(SCROLLERS), function (node) {
      var scrolls = node.scrollWidth > node.clientWidth + 1;
      if (scrolls && !node.hasAttribute("tabindex")) {
        node.setAttribute("tabindex", "0");
        node.setAttribute("data-scrolls", "");
      } else if (!scrolls && node.hasAttribute("data-scrolls")) {
        node.removeAttribute("tabindex");
        node.removeAttribute("data-scrolls");
      }
    });
  }
  focusScrollers();
  var resized = null;
  // Fonts (KaTeX's) change widths once loaded; a resize changes what fits.
  window.addEventListener("load", focusScrollers);
  window.addEventListener("resize", function () {
    clearTimeout(resized);
    resized = setTimeout(focusScrollers, 200);
  });

  var root = document.getElementById("site-search");
  if (!root) return;
  var input = root.querySelector("input");
  var ui = document.getElementById("site-search-ui");
  var panel = ui.querySelector(".search-filters");
  var groups = ui.querySelector(".search-filter-groups");
  var status = ui.querySelector(".search-status");
  var list = ui.querySelector(".search-results");
  var more = ui.querySelector(".search-more");
  var bundle = root.getAttribute("data-bundle");
  var FILTERS = [["author", "Author"], ["keyword", "Keyword"], ["venue", "Venue"], ["year", "Year"]];
  var PAGE = 5;
  var pagefind = null; // a promise of the library, once the reader started
  var common = new Set(); // the common words, once the library is loaded
  var results = [];
  var terms = []; // the query's words, lowercase, for marking first sentences
  var shown = 0;
  var generation = 0;
  var timer = null;
  var chosen = {}; // filter → values ticked
  root.hidden = false;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function start() {
    if (!pagefind) {
      // A site built before the list existed has none: every word is then searched as typed.
      var words = fetch(bundle + "sitegen-common-words.json")
        .then(function (r) { return r.ok ? r.json() : []; })
        .catch(function () { return []; });
      pagefind = Promise.all([import(bundle + "pagefind.js"), words]).then(function (both) {
        var pf = both[0];
        common = new Set(both[1]);
        return pf.options({ baseUrl: root.getAttribute("data-base"), excerptLength: 24 })
          .then(function () { return pf; });
      });
      pagefind.catch(function () {
        pagefind = null;
        status.textContent = "The search index could not be loaded.";
      });
    }
    return pagefind;
  }

  // Pagefind's excerpt is HTML: <mark> around the words found, the text escaped. It is parsed
  // without running anything and rebuilt from text nodes.
  function excerpt(html) {
    var p = el("p", "search-excerpt");
    var doc = new DOMParser().parseFromString("<p>" + html + "</p>", "text/html");
    Array.prototype.forEach.call(doc.body.firstChild ? doc.body.firstChild.childNodes : [], function (n) {
      p.appendChild(n.nodeName === "MARK" ? el("mark", "", n.textContent)
        : document.createTextNode(n.textContent));
    });
    return p;
  }

  // A query word as the index has it: lowercase, without punctuation at its ends.
  function plain(word) {
    return word.toLowerCase().replace(/^[!-\/:-@[-`{-~]+|[!-\/:-@[-`{-~]+$/g, "");
  }

  // A paper's first sentence (a record whose summary was indexed without its common words),
  // with the words that begin like a query word marked, as Pagefind marks its matches.
  function sentence(text) {
    var p = el("p", "search-excerpt");
    text.split(/(\s+)/).forEach(function (part) {
      var w = plain(part);
      var hit = w && terms.some(function (t) { return w.indexOf(t) === 0; });
      p.appendChild(hit ? el("mark", "", part) : document.createTextNode(part));
    });
    return p;
  }

  function render(data) {
    var li = el("li", "search-result");
    var a = el("a", "", data.meta.title || data.url);
    a.href = data.url;
    li.appendChild(el("p", "search-title")).appendChild(a);
    var meta = [data.meta.authors, data.meta.venue, data.meta.year].filter(Boolean).join(" · ");
    if (meta) li.appendChild(el("p", "search-meta", meta));
    var first = data.meta.first_sentence;
    li.appendChild(first !== undefined ? sentence(first) : excerpt(data.excerpt || ""));
    return li;
  }

  // Pagefind's results for `term`. When it mixes common words with others, the others decide
  // which papers are found (a common word is indexed only where a paper names it, in its title,
  // authors, keywords, venue or first sentence, so requiring it would lose the papers whose
  // summaries use it), and the papers that match every word come first. `found.common` lists
  // the common words of the query.
  function find(pf, term, filters) {
    var words = term ? term.split(/\s+/) : [];
    var usual = words.filter(function (w) { return !common.has(plain(w)); });
    var options = { filters: filters };
    var all = pf.search(term || null, options);
    var mark = function (found, results) {
      return { results: results, filters: found.filters,
        common: words.filter(function (w) { return common.has(plain(w)); }) };
    };
    if (!usual.length || usual.length === words.length) {
      return all.then(function (found) { return mark(found, found.results); });
    }
    return Promise.all([all, pf.search(usual.join(" "), options)]).then(function (both) {
      var first = new Set(both[0].results.map(function (r) { return r.id; }));
      var rest = both[1].results.filter(function (r) { return !first.has(r.id); });
      return mark(both[1], both[0].results.concat(rest));
    });
  }

  function showMore(mine) {
    var next = results.slice(shown, shown + PAGE);
    shown += next.length;
    more.hidden = shown >= results.length;
    return Promise.all(next.map(function (r) { return r.data(); })).then(function (all) {
      if (mine !== generation) return;
      all.forEach(function (data) { list.appendChild(render(data)); });
    });
  }

  function activeFilters() {
    var f = {};
    Object.keys(chosen).forEach(function (k) {
      if (chosen[k].length) f[k] = { any: chosen[k] };
    });
    return f;
  }

  function search() {
    var term = input.value.trim();
    var filters = activeFilters();
    var mine = ++generation;
    if (!term && !Object.keys(filters).length) {
      list.textContent = "";
      status.textContent = "";
      more.hidden = true;
      return;
    }
    start().then(function (pf) {
      panel.hidden = false;
      return find(pf, term, filters).then(function (found) {
        if (mine !== generation) return;
        results = found.results;
        terms = term.split(/\s+/).map(plain).filter(Boolean);
        shown = 0;
        list.textContent = "";
        var n = results.length;
        status.textContent = (n === 0 ? "No papers" : n === 1 ? "1 paper" : n + " papers")
          + (term ? " found for “" + term + "”." : " match the filters.")
          + commonNote(found.common, found.common.length < term.split(/\s+/).length);
        updateCounts(found.filters);
        return showMore(mine);
      });
    }).catch(function () {
      // The next keystroke tries again (start() forgets a library that failed to load).
      status.textContent = "The search index could not be loaded.";
    });
  }

  // What the status line says of the common words of a query (`mixed`: with other words).
  function commonNote(words, mixed) {
    if (!words.length) return "";
    var quoted = words.map(function (w) { return "“" + w + "”"; });
    var last = quoted.pop();
    var list = quoted.length ? quoted.join(", ") + " and " + last : last;
    var it = words.length === 1 ? "it" : "them";
    return " Most summaries use " + list + ", so " + (mixed
      ? "papers with " + it + " in the title, authors, keywords, venue or first sentence come first."
      : (words.length === 1 ? "it is" : "they are")
        + " looked for only in titles, authors, keywords, venues and first sentences.");
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(search, 200);
  }

  // The filters, built from all their values the first time the reader opens the panel.
  function buildFilters(all) {
    FILTERS.forEach(function (f) {
      var values = Object.keys(all[f[0]] || {});
      if (!values.length) return;
      if (f[0] === "year") values.sort().reverse();
      var set = el("fieldset", "search-filter");
      set.appendChild(el("legend", "", f[1]));
      if (f[0] === "author") {
        set.appendChild(el("p", "search-filter-note",
          "The authors with most papers. To find anyone's papers, type their name."));
      }
      var box = el("div", "search-filter-values");
      values.forEach(function (v) {
        var label = el("label");
        var check = el("input");
        check.type = "checkbox";
        check.value = v;
        check.setAttribute("data-filter", f[0]);
        label.appendChild(check);
        label.appendChild(document.createTextNode(" " + v + " "));
        label.appendChild(el("span", "search-count", "(" + all[f[0]][v] + ")"));
        box.appendChild(label);
      });
      set.appendChild(box);
      groups.appendChild(set);
    });
  }

  function updateCounts(counts) {
    Array.prototype.forEach.call(groups.querySelectorAll("input[data-filter]"), function (check) {
      var c = counts && counts[check.getAttribute("data-filter")];
      if (c) check.parentNode.querySelector(".search-count").textContent = "(" + (c[check.value] || 0) + ")";
    });
  }

  panel.addEventListener("toggle", function () {
    if (!panel.open || groups.childNodes.length) return;
    groups.textContent = "Loading filters…";
    start().then(function (pf) { return pf.filters(); }).then(function (all) {
      groups.textContent = "";
      buildFilters(all);
      if (input.value.trim()) search();
    }, function () { groups.textContent = "The filters could not be loaded."; });
  });

  groups.addEventListener("change", function (e) {
    var k = e.target.getAttribute("data-filter");
    if (!k) return;
    var ticked = groups.querySelectorAll("input[data-filter='" + k + "']:checked");
    chosen[k] = Array.prototype.map.call(ticked, function (c) { return c.value; });
    search();
  });

  more.addEventListener("click", function () { showMore(generation); });
  input.addEventListener("focus", start);
  input.addEventListener("input", function () { start(); schedule(); });
  // The form does nothing by itself: results appear as the reader types.
  input.form.addEventListener("submit", function (e) { e.preventDefault(); search(); });
})();
