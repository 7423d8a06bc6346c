// clickproof console, Exports pages: live progress, the column picker's "all" boxes, the filter
// builder and the live preview. Progressive enhancement only: without this file the pages and the
// form work (the filter is then the JSON textarea, the preview a submit button).
"use strict";

(function () {
  // ---- Live progress: rows and job pages carry data-progress-url while the job runs. ----------

  function watch(element) {
    var url = element.getAttribute("data-progress-url");
    var every = Number(element.getAttribute("data-poll-ms")) || 1000;
    var delay = every;
    function part(role) { return element.querySelector("[data-role=" + role + "]"); }
    function show(p) {
      var status = part("status");
      if (status) {
        status.textContent = p.status;
        status.className = "status status-" + p.status;
      }
      var bar = part("bar");
      if (bar && p.percent !== null) { bar.value = p.percent; }
      var text = part("text");
      if (text && p.percent !== null) {
        // The total counts each row once per export type (CSV, PDFs).
        text.textContent = text.hasAttribute("data-detail") && p.total
          ? p.percent + "% (" + p.processed + " of " + p.total + ")"
          : p.percent + "%";
      }
      var message = part("message");
      if (message) { message.textContent = p.message; }
    }
    function poll() {
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (answer) {
          if (!answer.ok) { throw new Error("status " + answer.status); }
          return answer.json();
        })
        .then(function (p) {
          show(p);
          if (!p.active) {
            window.location.reload(); // the finished job's files, rows and verdict
            return;
          }
          delay = every;
          window.setTimeout(poll, delay);
        })
        .catch(function () {
          delay = Math.min(delay * 2, 15000);
          window.setTimeout(poll, delay);
        });
    }
    window.setTimeout(poll, delay);
  }

  document.querySelectorAll("[data-progress-url]").forEach(watch);

  var form = document.getElementById("export-form");
  if (!form) { return; }

  // ---- Columns: "All …" checks or clears its family; a family fully checked checks it. ------

  form.querySelectorAll("fieldset.family").forEach(function (family) {
    var all = family.querySelector("[data-role=family-all]");
    var boxes = family.querySelectorAll("[data-role=column]");
    if (!all) { return; }
    all.addEventListener("change", function () {
      boxes.forEach(function (box) { box.checked = all.checked; });
    });
    boxes.forEach(function (box) {
      box.addEventListener("change", function () {
        var allChecked = true;
        boxes.forEach(function (b) { allChecked = allChecked && b.checked; });
        all.checked = allChecked;
      });
    });
  });

  // Typing a date means a custom window.
  ["start_date", "end_date"].forEach(function (id) {
    var input = document.getElementById(id);
    if (input) {
      input.addEventListener("input", function () { document.getElementById("window-custom").checked = true; });
    }
  });

  // ---- The filter builder: groups (AND/OR) of conditions (field, operator, value). -----------

  var textarea = document.getElementById("filter");
  var builder = document.getElementById("filter-builder");
  var raw = document.getElementById("filter-raw");
  var note = document.getElementById("builder-note");
  var modeButton = document.getElementById("filter-mode");
  var groupTemplate = document.getElementById("group-template");
  var conditionTemplate = document.getElementById("condition-template");
  var counter = 0;
  var root = null;

  var fieldTypes = {};
  conditionTemplate.content.querySelectorAll("option[data-type]").forEach(function (option) {
    fieldTypes[option.value] = option.getAttribute("data-type");
  });

  function labelParts(element) {
    element.querySelectorAll("[data-label-for]").forEach(function (label) {
      var target = element.querySelector("[data-part=" + label.getAttribute("data-label-for") + "]");
      if (target && !target.id) {
        counter += 1;
        target.id = "filter-" + label.getAttribute("data-label-for") + "-" + counter;
        label.setAttribute("for", target.id);
      }
    });
  }

  function own(element, part) {
    // The element's own part, not one of a nested group's.
    var found = null;
    element.querySelectorAll("[data-part=" + part + "]").forEach(function (candidate) {
      if (!found && candidate.closest(".group, .condition") === element) { found = candidate; }
    });
    return found;
  }

  function newCondition(spec) {
    var element = conditionTemplate.content.firstElementChild.cloneNode(true);
    labelParts(element);
    var field = own(element, "field");
    var op = own(element, "op");
    var value = own(element, "value");
    if (spec) {
      field.value = spec.field;
      op.value = spec.op;
      value.value = spec.value;
    }
    function sync() { value.disabled = op.value === "$exists" || op.value === "!$exists"; }
    op.addEventListener("change", sync);
    sync();
    own(element, "remove").addEventListener("click", function () { element.remove(); changed(); });
    return element;
  }

  function newGroup(spec, isRoot) {
    var element = groupTemplate.content.firstElementChild.cloneNode(true);
    labelParts(element);
    var items = own(element, "items");
    own(element, "combinator").value = spec ? spec.combinator : "$and";
    if (isRoot) {
      element.querySelector("legend").textContent = "Conditions";
      own(element, "remove").remove();
    } else {
      own(element, "remove").addEventListener("click", function () { element.remove(); changed(); });
    }
    own(element, "add-condition").addEventListener("click", function () {
      var added = newCondition(null);
      items.appendChild(added);
      own(added, "field").focus();
      changed();
    });
    own(element, "add-group").addEventListener("click", function () {
      var added = newGroup(null, false);
      own(added, "items").appendChild(newCondition(null));
      items.appendChild(added);
      changed();
    });
    (spec ? spec.items : []).forEach(function (item) {
      items.appendChild(item.items ? newGroup(item, false) : newCondition(item));
    });
    return element;
  }

  // Values: typed by the field (numbers, booleans); JSON families read JSON scalars, else text.
  function coerce(text, type) {
    var trimmed = text.trim();
    if (type === "integer" && /^-?\d+$/.test(trimmed)) { return Number(trimmed); }
    if (type === "boolean" && (trimmed === "true" || trimmed === "false")) { return trimmed === "true"; }
    if (type === "json") {
      try {
        var parsed = JSON.parse(trimmed);
        if (parsed === null || typeof parsed !== "object") { return parsed; }
      } catch (e) { /* plain text */ }
      return text;
    }
    return text;
  }

  function shown(value, type) {
    if (typeof value === "string") {
      if (type === "json") {
        try { JSON.parse(value.trim()); return JSON.stringify(value); } catch (e) { return value; }
      }
      return value;
    }
    if (value === null || typeof value === "number" || typeof value === "boolean") { return JSON.stringify(value); }
    throw new Error("not a scalar");
  }

  function conditionDoc(element) {
    var path = own(element, "field").value;
    var op = own(element, "op").value;
    var text = own(element, "value").value;
    var type = fieldTypes[path];
    if (op === "$exists" || op === "!$exists") {
      return obj(path, { "$exists": op === "$exists" });
    }
    if (op === "$in" || op === "$nin") {
      var values = text.split(",").map(function (t) { return t.trim(); }).filter(function (t) { return t !== ""; })
        .map(function (t) { return coerce(t, type); });
      return obj(path, obj(op, values));
    }
    return obj(path, obj(op, coerce(text, type)));
  }

  function obj(key, value) { var o = {}; o[key] = value; return o; }

  function groupDoc(element, isRoot) {
    var docs = [];
    Array.prototype.forEach.call(own(element, "items").children, function (child) {
      var doc = child.classList.contains("group") ? groupDoc(child, false) : conditionDoc(child);
      if (doc !== null) { docs.push(doc); }
    });
    if (docs.length === 0) { return null; }
    var combinator = own(element, "combinator").value;
    if (docs.length === 1 && (combinator === "$and" || !isRoot)) { return docs[0]; }
    return obj(combinator, docs);
  }

  // JSON → builder: the subset the builder can show; anything else stays raw JSON.
  function parseDoc(doc) {
    if (doc === null || typeof doc !== "object" || Array.isArray(doc)) { throw new Error("not an object"); }
    var keys = Object.keys(doc);
    if (keys.length === 0) { throw new Error("empty"); }
    var items = [];
    keys.forEach(function (key) {
      var logical = { "$and": "$and", "and": "$and", "$or": "$or", "or": "$or" }[key];
      if (logical) {
        if (!Array.isArray(doc[key]) || doc[key].length === 0) { throw new Error("bad " + key); }
        items.push({ combinator: logical, items: doc[key].map(parseDoc).map(unwrap) });
      } else if (key.charAt(0) === "$") {
        throw new Error("operator " + key);
      } else {
        parseField(key, doc[key]).forEach(function (c) { items.push(c); });
      }
    });
    return items.length === 1 ? items[0] : { combinator: "$and", items: items };
  }

  function unwrap(item) { return item; }

  function parseField(path, value) {
    if (!(path in fieldTypes)) { throw new Error("field " + path); }
    var type = fieldTypes[path];
    var isOps = value !== null && typeof value === "object" && !Array.isArray(value);
    if (!isOps) { return [{ field: path, op: "$eq", value: shown(value, type) }]; }
    var ops = Object.keys(value);
    if (ops.length === 0) { throw new Error("empty operators"); }
    return ops.map(function (op) {
      var operand = value[op];
      if (op === "$exists") { return { field: path, op: operand ? "$exists" : "!$exists", value: "" }; }
      if (op === "$in" || op === "$nin") {
        if (!Array.isArray(operand)) { throw new Error("not an array"); }
        return {
          field: path,
          op: op,
          value: operand.map(function (v) {
            var s = shown(v, type);
            if (s.indexOf(",") >= 0) { throw new Error("comma"); }
            return s;
          }).join(", ")
        };
      }
      if (["$eq", "$ne", "$gt", "$gte", "$lt", "$lte"].indexOf(op) < 0) { throw new Error("operator " + op); }
      return { field: path, op: op, value: shown(operand, type) };
    });
  }

  function writeTextarea() {
    var doc = groupDoc(root, true);
    textarea.value = doc === null ? "" : JSON.stringify(doc);
  }

  function useBuilder() {
    var text = textarea.value.trim();
    var spec = { combinator: "$and", items: [] };
    if (text !== "") {
      try {
        var parsed = parseDoc(JSON.parse(text));
        spec = parsed.items ? parsed : { combinator: "$and", items: [parsed] };
      } catch (e) {
        note.textContent = "This filter uses parts the builder cannot show (" + e.message + "); edit it as JSON.";
        note.hidden = false;
        return false;
      }
    }
    note.hidden = true;
    builder.textContent = "";
    root = newGroup(spec, true);
    builder.appendChild(root);
    builder.hidden = false;
    raw.hidden = true;
    modeButton.textContent = "Edit as JSON";
    writeTextarea();
    return true;
  }

  function useRaw() {
    if (root) { writeTextarea(); }
    builder.hidden = true;
    raw.hidden = false;
    modeButton.textContent = "Use the builder";
    root = null;
  }

  modeButton.hidden = false;
  modeButton.addEventListener("click", function () {
    if (root) { useRaw(); textarea.focus(); } else { useBuilder(); }
    schedulePreview();
  });
  if (!useBuilder()) { useRaw(); }

  builder.addEventListener("input", changed);
  builder.addEventListener("change", changed);

  function changed() {
    if (root) { writeTextarea(); }
    schedulePreview();
  }

  // ---- Live preview: the description and match count as the form changes. -------------------

  var preview = document.getElementById("preview");
  var previewUrl = form.getAttribute("data-preview-url");
  var timer = null;
  var asked = 0;

  function previewPart(role) { return preview.querySelector("[data-role=" + role + "]"); }

  function schedulePreview() {
    if (timer) { window.clearTimeout(timer); }
    timer = window.setTimeout(runPreview, 400);
  }

  function runPreview() {
    var body = new URLSearchParams(new FormData(form));
    body.delete("action");
    asked += 1;
    var mine = asked;
    fetch(previewUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json" },
      body: body.toString()
    })
      .then(function (answer) { return answer.json(); })
      .then(function (result) {
        if (mine !== asked) { return; }
        var placeholder = previewPart("placeholder");
        if (placeholder) { placeholder.hidden = true; }
        var error = previewPart("preview-error");
        var description = previewPart("description");
        var matching = previewPart("matching");
        if (result.error) {
          error.textContent = result.error + (result.field ? " (field: " + result.field + ")" : "");
          error.hidden = false;
          description.parentElement.hidden = true;
          matching.parentElement.hidden = true;
          return;
        }
        error.hidden = true;
        description.textContent = result.description;
        matching.textContent = String(result.matching);
        previewPart("matching-unit").textContent = result.matching === 1 ? "activity matches" : "activities match";
        description.parentElement.hidden = false;
        matching.parentElement.hidden = false;
      })
      .catch(function () { /* the Preview button still works */ });
  }

  form.addEventListener("change", function (event) {
    if (!builder.contains(event.target)) { schedulePreview(); }
  });
  textarea.addEventListener("input", schedulePreview);
  schedulePreview();
})();
