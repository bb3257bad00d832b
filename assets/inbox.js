// earshot's inbox, enhanced: keyboard triage and actions without a reload.
//
// Progressive enhancement only: every action is a plain form POST that works
// without this file (the server answers 303 back to the inbox). With it, a
// form is sent with fetch() and the X-CSRF-Token header; the server then
// answers with the updated row, which replaces the old one in place.
//
// Keys: j/k next/previous, o open, h handled, a assign to me, i ignore,
// l then c/p/n/x label (complaint, praise, neutral, irrelevant), ? help.
// Never builds HTML from data: the rows come rendered (and escaped) by the
// server's templates.
(function () {
  "use strict";

  var list = document.getElementById("mentions");
  if (!list) {
    return;
  }
  var csrfMeta = document.querySelector('meta[name="csrf"]');
  var csrf = csrfMeta ? csrfMeta.getAttribute("content") : "";
  var help = document.getElementById("keys");
  var status = document.getElementById("status");
  var labelling = false;
  var LABEL_KEYS = { c: "lc", p: "lp", n: "ln", x: "lx" };

  function rows() {
    return Array.prototype.slice.call(list.querySelectorAll("tr.mention"));
  }

  function selected() {
    return list.querySelector("tr.mention.selected");
  }

  function select(row) {
    var old = selected();
    if (old) {
      old.classList.remove("selected");
      old.removeAttribute("aria-selected");
    }
    if (row) {
      row.classList.add("selected");
      row.setAttribute("aria-selected", "true");
      row.scrollIntoView({ block: "nearest" });
    }
  }

  function move(by) {
    var all = rows();
    if (all.length === 0) {
      return;
    }
    var current = selected();
    var i = current ? all.indexOf(current) + by : 0;
    select(all[Math.max(0, Math.min(all.length - 1, i))]);
  }

  function showStatus(failed) {
    if (!status) {
      return;
    }
    status.hidden = !failed;
  }

  // Sends `form` as `button` would, and swaps the row for the server's.
  function send(form, button) {
    var row = form.closest("tr.mention");
    var data = new URLSearchParams(new FormData(form));
    if (button && button.name) {
      data.append(button.name, button.value);
    }
    if (row) {
      row.classList.add("busy");
    }
    return fetch(form.action, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf, Accept: "text/html" },
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("status " + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        var holder = document.createElement("tbody");
        holder.innerHTML = html;
        var fresh = holder.querySelector("tr.mention");
        if (!fresh || !row) {
          throw new Error("no row in the answer");
        }
        var wasSelected = row.classList.contains("selected");
        row.replaceWith(fresh);
        if (wasSelected) {
          select(fresh);
        }
        showStatus(false);
      })
      .catch(function () {
        if (row) {
          row.classList.remove("busy");
        }
        showStatus(true);
      });
  }

  list.addEventListener("submit", function (event) {
    event.preventDefault();
    send(event.target, event.submitter);
  });

  list.addEventListener("click", function (event) {
    var row = event.target.closest("tr.mention");
    if (row && !event.target.closest("a, button")) {
      select(row);
    }
  });

  // The selected row's button for `key`; `advance` moves on at once (the
  // row leaves the open queue), without waiting for the server.
  function act(key, advance) {
    var row = selected();
    if (!row) {
      return;
    }
    var button = row.querySelector('button[data-key="' + key + '"]');
    if (!button) {
      return;
    }
    send(button.form, button);
    if (advance) {
      move(1);
    }
  }

  function toggleHelp(show) {
    if (help) {
      help.hidden = !show;
    }
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) {
      return;
    }
    var target = event.target;
    if (
      target &&
      (target.isContentEditable || /^(INPUT|SELECT|TEXTAREA)$/.test(target.tagName))
    ) {
      return;
    }
    if (labelling) {
      labelling = false;
      document.body.classList.remove("labelling");
      if (LABEL_KEYS[event.key]) {
        event.preventDefault();
        act(LABEL_KEYS[event.key], false);
      }
      return;
    }
    switch (event.key) {
      case "j":
        move(1);
        break;
      case "k":
        move(-1);
        break;
      case "o": {
        var row = selected();
        if (row) {
          window.location.href = row.getAttribute("data-href");
        }
        break;
      }
      case "h":
        act("h", true);
        break;
      case "a":
        act("a", false);
        break;
      case "i":
        act("i", true);
        break;
      case "l":
        if (selected()) {
          labelling = true;
          document.body.classList.add("labelling");
        }
        break;
      case "?":
        toggleHelp(help ? help.hidden : false);
        break;
      case "Escape":
        toggleHelp(false);
        break;
      default:
        return;
    }
    event.preventDefault();
  });

  if (help) {
    var close = help.querySelector("button.close");
    if (close) {
      close.addEventListener("click", function () {
        toggleHelp(false);
      });
    }
  }

  // The first row is where triage starts.
  move(0);
})();
