(() => {
  "use strict";
  document.documentElement.classList.add("js");
  const data = JSON.parse(document.getElementById("matrix-data").textContent);
  const form = document.getElementById("filters");
  const table = document.getElementById("matrix");
  const rows = Array.from(table.querySelectorAll("tr.pattern"));
  const shown = document.getElementById("shown");
  const byId = new Map(data.rows.map((row, index) => [row.a, index]));
  const text = (i) => data.strings[i];
  const ran = new Set(data.ran);
  const bad = new Set(data.bad);
  const configIndex = new Map(data.configs.map((c, i) => [c.name, i]));
  const make = (tag, props, ...children) => {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (key === "class") el.className = value;
      else if (key === "text") el.textContent = value;
      else if (key === "role" || key.startsWith("data-") || key.startsWith("aria-")) el.setAttribute(key, value);
      else el[key] = value;
    }
    for (const child of children) if (child !== null && child !== undefined) el.append(child);
    return el;
  };

  // What people paste: whitespace, quotes and `self.` do not matter.
  const normalise = (value) =>
    value.toLowerCase().replace(/[\u2018\u2019\u201c\u201d'`]/g, '"').replace(/\bself\./g, "").replace(/\s+/g, "");
  // Built at the first search, not at load.
  let haystacks = null;
  const haystack = (index) => {
    haystacks ||= data.rows.map((row) => {
      const parts = [row.idiom, row.id];
      for (const config of row.v) for (const v of config) parts.push(text(v[2] || 0), text(v[3] || 0));
      return normalise(Array.from(new Set(parts)).join("\n"));
    });
    return haystacks[index];
  };

  const checkedConfigs = () =>
    new Set(Array.from(form.querySelectorAll("input[name=config]:checked"), (box) => box.value));

  function showVariants(on) {
    form.elements.variants.checked = on;
    const mirror = document.getElementById("needs-variants");
    if (mirror) mirror.checked = on;
    for (const el of document.querySelectorAll("#filters label.variant, .card.variant")) el.hidden = !on;
    for (const box of form.querySelectorAll("input[name=config][data-default=no]")) box.checked = on;
    needsApply();
  }

  // One cell: the configuration's outcomes over the Django versions, or one version's.
  function cell(row, ci, version) {
    const config = data.configs[ci];
    const [compact, , tone, allWords] = row.c[ci].map(text);
    const vi = version ? data.versions.indexOf(version) : -1;
    let sum = compact;
    let cellTone = tone;
    let label = `${config.name}: ${allWords}`;
    if (vi >= 0) {
      const status = row.v[ci][vi][0];
      const [, glyph, word, statusTone] = data.status[status];
      sum = glyph;
      cellTone = tone === "everywhere" && bad.has(status) ? "everywhere" : statusTone;
      label = `${config.name} on Django ${version}: ${word}`;
    }
    // Four elements a cell: its bar (one segment per Django version) is a gradient; its
    // glyphs are hidden from its name, which says the same in words.
    const segments = row.v[ci].map((v, i) => [data.status[v[0]][3], data.stale[ci][i]]).filter((_, i) => i === vi || vi < 0);
    const width = 100 / segments.length;
    const stops = segments.map(([tone, stale], i) => {
      const colour = stale ? `color-mix(in srgb, var(--t-${tone}) 50%, transparent)` : `var(--t-${tone})`;
      return `${colour} ${i * width}% ${(i + 1) * width - 3}%, transparent ${(i + 1) * width - 3}% ${(i + 1) * width}%`;
    });
    const button = make(
      "button",
      { type: "button", class: `cell-btn tone-${cellTone}`, title: label, tabIndex: -1, "aria-expanded": "false" },
      make("span", { class: "sum", text: sum, "aria-hidden": "true" }),
      make("span", { class: "sr", text: label }),
    );
    button.style.setProperty("--strip", `linear-gradient(90deg, ${stops.join(", ")})`);
    button.dataset.config = config.name;
    const td = make("td", { class: `cell${config.default ? "" : " variant"}` }, button);
    td.dataset.config = config.name;
    td.dataset.label = config.name;
    return td;
  }

  // The cells are drawn when the table comes near the screen (or a key, a link or a click
  // needs them): until then the page holds only the idioms' names.
  let wanted = false;
  const wantCells = () => {
    if (wanted) return;
    wanted = true;
    drawCells(checkedConfigs(), form.elements.django.value);
    matrixKeys.fix();
  };
  let drawn = "";
  function drawCells(configs, version) {
    const key = [...configs].join(",") + "|" + version;
    if (key === drawn || !wanted) return headers(configs);
    drawn = key;
    const indexes = data.configs.map((c, i) => (configs.has(c.name) ? i : -1)).filter((i) => i >= 0);
    for (const tr of rows) {
      const row = data.rows[byId.get(tr.id)];
      for (const old of tr.querySelectorAll("td.cell")) old.remove();
      const open = tr.classList.contains("expanded") ? detailOf(tr).dataset.focus : null;
      tr.append(...indexes.map((ci) => cell(row, ci, version)));
      if (open !== null) setOpen(tr, true, open);
    }
    headers(configs);
  }
  function headers(configs) {
    for (const th of table.querySelectorAll("thead th[data-config]")) th.hidden = !configs.has(th.dataset.config);
    for (const th of table.querySelectorAll("tr.theme-row > th")) th.colSpan = configs.size + 1;
    for (const detail of table.querySelectorAll("tr.detail")) fillVisibility(detail, configs);
  }

  // Per Django version: the tones of the cells that ran, over the chosen configurations.
  function tonesByVersion(row, configs, versions) {
    return versions.map((version) => {
      const vi = data.versions.indexOf(version);
      const tones = new Set();
      data.configs.forEach((c, ci) => {
        const status = row.v[ci][vi][0];
        if (configs.has(c.name) && ran.has(status)) tones.add(data.status[status][3]);
      });
      return tones;
    });
  }

  function apply() {
    const configs = checkedConfigs();
    const version = form.elements.django.value;
    const theme = form.elements.theme.value;
    const query = normalise(form.elements.q.value);
    const versions = version ? [version] : data.versions;
    drawCells(configs, version);
    let count = 0;
    for (const tr of rows) {
      const index = byId.get(tr.id);
      const row = data.rows[index];
      const tones = tonesByVersion(row, configs, versions);
      let visible = !theme || tr.dataset.theme === theme;
      if (form.elements.differ.checked) visible &&= tones.some((set) => set.size > 1);
      if (form.elements.failing.checked) visible &&= tones.some((set) => set.has("bad"));
      if (form.elements.controls.checked) visible &&= row.verdict !== data.everywhere;
      if (query) visible &&= haystack(index).includes(query);
      tr.hidden = !visible;
      const detail = detailOf(tr);
      if (detail) detail.hidden = !visible;
      count += visible ? 1 : 0;
    }
    for (const group of table.querySelectorAll("tbody.theme")) {
      group.hidden = !group.querySelector("tr.pattern:not([hidden])");
    }
    document.getElementById("no-rows").hidden = count > 0;
    shown.textContent = `Showing ${count} of ${rows.length} idioms`;
    matrixKeys.fix();
  }

  let timer = 0;
  const later = () => {
    clearTimeout(timer);
    timer = setTimeout(apply, 150);
  };

  // The detail panel: built from the data the first time it opens.
  const detailOf = (tr) => document.getElementById("d-" + tr.id);

  function link(source) {
    const out = [];
    let last = 0;
    for (const match of source.matchAll(/https?:\/\/[^\s<>"')]+/g)) {
      out.push(source.slice(last, match.index));
      out.push(make("a", { href: match[0], rel: "noopener noreferrer", text: match[0] }));
      last = match.index + match[0].length;
    }
    out.push(source.slice(last));
    return out;
  }

  function fillVisibility(detail, configs) {
    for (const line of detail.querySelectorAll("tr[data-config]")) line.hidden = !configs.has(line.dataset.config);
  }

  function buildDetail(tr) {
    const row = data.rows[byId.get(tr.id)];
    const dl = make("dl");
    const add = (term, ...value) => {
      if (value.length && value.some((v) => v)) dl.append(make("dt", { text: term }), make("dd", {}, ...value));
    };
    add("Expect", row.expect);
    add("Why", row.why);
    add("Fix", row.fix);
    add("Kind", row.kind);
    add("Depends", row.depends);
    if (row.twin) add("Twin", make("code", { text: row.twin }), row.twinDiffers.length ? `: they disagree on ${row.twinDiffers.join(", ")}` : "");
    if (row.source) add("Source", ...link(row.source));
    if (row.since) add("Needs", `Django ${row.since}+` + (row.sinceReason ? `: ${row.sinceReason}` : ""));
    const head = make("tr", {}, make("th", { scope: "col", text: "configuration" }), ...data.versions.map((v) => make("th", { scope: "col", text: `Django ${v}` })));
    const body = make("tbody");
    data.configs.forEach((config, ci) => {
      const line = make("tr", {}, make("th", { scope: "row", text: config.name }));
      line.dataset.config = config.name;
      if (!config.default) line.className = "variant";
      row.v[ci].forEach((cell, vi) => {
        const [status, ms, exc, msg, reason, phase, runs] = [0, 1, 2, 3, 4, 5, 6].map((i) => cell[i] || 0);
        const [value, glyph, word, tone] = data.status[status];
        const td = make("td", { class: `tone-${tone}` }, `${glyph} ${word}`);
        td.dataset.status = value;
        if (data.stale[ci][vi]) td.append(" ", make("span", { class: "stale-tag", text: "stale" }));
        if (exc || msg) td.append(make("code", { class: "exc", text: text(exc) + (exc && msg ? ": " : "") + text(msg) }));
        if (reason) td.append(make("span", { class: "reason", text: text(reason) }));
        if (runs) td.append(make("span", { class: "runs", text: `runs: ${text(runs)}` }));
        if (ms >= 0) td.append(make("span", { class: "runs", text: `${ms} ms` + (phase ? `, in ${text(phase)}` : "") }));
        line.append(td);
      });
      body.append(line);
    });
    const meta = `${row.id} · ${row.theme} · ${row.verdictText}` + (row.differs.length ? ` (differs by ${row.differs.join(" and ")})` : "");
    // Boxes that may scroll sideways take the focus, so that a keyboard can scroll them.
    const code = make("details", { class: "code", open: true }, make("summary", {}, "The test ", make("code", { text: `${row.path}:${row.line}` })), make("pre", { tabIndex: 0 }, make("code", { text: row.code })));
    const bodyDiv = make(
      "div",
      { class: "detail-body" },
      make("h3", {}, make("code", { text: row.idiom || row.id })),
      make("p", { class: "meta", text: meta }),
      dl,
      make(
        "div",
        { class: "outcomes-box", tabIndex: 0, role: "region", "aria-label": "outcomes by configuration and Django version" },
        make("table", { class: "outcomes" }, make("thead", {}, head), body),
      ),
      code,
      make("p", {}, make("a", { href: "#" + tr.id, text: "Link to this idiom" })),
    );
    const td = make("td", { colSpan: 99 }, bodyDiv);
    const detail = make("tr", { class: "detail", id: "d-" + tr.id }, td);
    tr.after(detail);
    tr.querySelector("button.idiom").setAttribute("aria-controls", detail.id);
    fillVisibility(detail, checkedConfigs());
    return detail;
  }

  function setOpen(tr, open, focus) {
    const detail = detailOf(tr) || (open ? buildDetail(tr) : null);
    if (!detail) return;
    detail.classList.toggle("open", open);
    detail.dataset.focus = open ? focus : "";
    tr.classList.toggle("expanded", open);
    for (const button of tr.querySelectorAll("button")) {
      button.setAttribute("aria-expanded", String(open && (button.dataset.config || "") === focus));
    }
    for (const line of detail.querySelectorAll("tr[data-config]")) {
      line.classList.toggle("focus", open && line.dataset.config === focus);
    }
  }

  table.addEventListener("click", (event) => {
    const button = event.target.closest("button.idiom, button.cell-btn");
    if (!button) return;
    const tr = button.closest("tr.pattern");
    const focus = button.dataset.config || "";
    const detail = detailOf(tr);
    const same = Boolean(detail) && detail.classList.contains("open") && detail.dataset.focus === focus;
    setOpen(tr, !same, focus);
    if (!same) history.replaceState(null, "", "#" + tr.id);
  });

  function openFromHash() {
    const id = decodeURIComponent(location.hash.slice(1));
    const tr = id && document.getElementById(id);
    if (!tr || !tr.classList.contains("pattern")) return;
    if (tr.hidden) {
      form.reset();
      showVariants(false);
      apply();
    }
    setOpen(tr, true, "");
    tr.scrollIntoView({ block: "start" });
  }

  // One tab stop per grid: the arrow keys move between its cells (the WAI-ARIA grid
  // pattern's roving tabindex), Home and End to a row's ends, Ctrl+Home and Ctrl+End to its
  // first and last rows, Page Up and Page Down ten rows. Tab leaves the grid.
  function uncover(el) {
    // A cell focused under the sticky header row or idiom column scrolls out from under it.
    const box = el.closest(".scroll");
    const tr = el.closest("tr");
    if (!box || !tr) return;
    const head = el.closest("table").tHead;
    const rect = el.getBoundingClientRect();
    if (head && !head.contains(el)) {
      const under = head.getBoundingClientRect().bottom - rect.top;
      if (under > 0) box.scrollTop -= under;
    }
    const side = tr.firstElementChild;
    if (!side.contains(el)) {
      const under = side.getBoundingClientRect().right - rect.left;
      if (under > 0) box.scrollLeft -= under;
    }
  }
  function roving(container, selector, lines, itemsOf, first, before) {
    let active = null;
    let where = null;
    const set = (el, focus) => {
      if (active && active !== el) active.tabIndex = -1;
      active = el;
      el.tabIndex = 0;
      const tr = el.closest("tr");
      where = [tr, itemsOf(tr).indexOf(el)];
      if (focus) {
        el.focus({ preventScroll: true });
        el.scrollIntoView({ block: "nearest", inline: "nearest" });
        uncover(el);
      }
    };
    container.addEventListener("focusin", (event) => {
      if (event.target.matches(selector)) set(event.target, false);
    });
    container.addEventListener("keydown", (event) => {
      const el = event.target;
      if (!el.matches(selector) || event.altKey || event.metaKey || event.shiftKey) return;
      before();
      const all = lines();
      const last = all.length - 1;
      let r = all.indexOf(el.closest("tr"));
      let c = itemsOf(all[r]).indexOf(el);
      const key = event.key;
      if (key === "ArrowRight") c += 1;
      else if (key === "ArrowLeft") c -= 1;
      else if (key === "ArrowDown") r += 1;
      else if (key === "ArrowUp") r -= 1;
      else if (key === "PageDown") r = Math.min(last, r + 10);
      else if (key === "PageUp") r = Math.max(0, r - 10);
      else if (key === "Home" || key === "End") r = event.ctrlKey ? (key === "Home" ? 0 : last) : r;
      else return;
      event.preventDefault();
      if (r < 0 || r > last) return;
      const items = itemsOf(all[r]);
      const target =
        key === "Home" ? items.find(Boolean) : key === "End" ? [...items].reverse().find(Boolean) : items[c];
      if (target) set(target, true);
    });
    return {
      // After filters or a redraw: keep the tab stop on a shown cell, the same one if it is.
      fix() {
        if (active && active.isConnected && !active.closest("[hidden]")) return;
        let target = null;
        if (where && where[0].isConnected && !where[0].closest("[hidden]")) {
          const items = itemsOf(where[0]);
          target = items[where[1]] || items.find(Boolean);
        }
        target ||= first();
        if (active && active !== target) active.tabIndex = -1;
        if (target) set(target, false);
        else active = null;
      },
    };
  }
  const matrixKeys = roving(
    table,
    "button.idiom, td.cell > button, thead a.name",
    () => [table.tHead.rows[0], ...rows.filter((tr) => !tr.hidden)],
    (tr) =>
      tr.parentElement === table.tHead
        ? [null, ...tr.querySelectorAll("th.config:not([hidden]) a.name")]
        : [...tr.querySelectorAll("button.idiom, td.cell > button")],
    () => {
      const tr = rows.find((row) => !row.hidden);
      return tr ? tr.querySelector("button.idiom") : null;
    },
    () => wantCells(),
  );

  // The needs grid: ticked needs keep the configurations that meet them all.
  const grid = document.getElementById("needs-grid");
  const pick = document.getElementById("needs-pick");
  const needRows = grid ? Array.from(grid.tBodies[0].rows) : [];
  const needItems = (tr) => [...tr.querySelectorAll("td:not([hidden]) .need-cell")];
  const needsKeys = grid
    ? roving(grid, ".need-cell", () => needRows, needItems, () => needItems(needRows[0])[0] || null, () => {})
    : { fix() {} };
  function needsApply() {
    if (!grid) return;
    const variants = form.elements.variants.checked;
    const ticked = Array.from(grid.querySelectorAll("input[name=need]:checked"), (box) => box.value);
    const meets = (config) =>
      ticked.every((need) => {
        const td = grid.querySelector(`tr[data-need="${need}"] td[data-config="${config}"]`);
        return td && (td.dataset.status === "meets" || td.dataset.status === "does_not_apply");
      });
    const kept = [];
    for (const th of grid.querySelectorAll("thead th[data-config]")) {
      const config = th.dataset.config;
      const listed = variants || !th.classList.contains("variant");
      const keep = listed && meets(config);
      th.hidden = !keep;
      for (const td of grid.querySelectorAll(`td[data-config="${config}"]`)) td.hidden = !keep;
      if (keep) kept.push(th);
    }
    const scope = variants ? "configuration" : "default configuration (tick \u201call configurations\u201d for the variants)";
    if (!ticked.length) {
      pick.textContent = "Tick the needs you have.";
    } else if (!kept.length) {
      pick.textContent = `No ${scope} meets all ${ticked.length} ticked needs.`;
    } else {
      const priced = kept.filter((th) => th.dataset.cost !== "").sort((a, b) => Number(a.dataset.cost) - Number(b.dataset.cost));
      const count = `${kept.length} ${kept.length === 1 ? "configuration meets" : "configurations meet"} all ${ticked.length} ticked needs`;
      pick.textContent = priced.length
        ? `Cheapest that meets all ${ticked.length}: ${priced[0].dataset.config} (${Math.round(priced[0].dataset.cost)} \u00b5s for a read, a write and a login); ${count}.`
        : `${count}: ${kept.map((th) => th.dataset.config).join(", ")} (no cost measured).`;
    }
    needsKeys.fix();
  }
  if (grid) grid.addEventListener("change", needsApply);
  const mirror = document.getElementById("needs-variants");
  if (mirror) mirror.addEventListener("change", () => { showVariants(mirror.checked); apply(); });

  form.elements.variants.addEventListener("change", (event) => showVariants(event.target.checked));
  form.addEventListener("input", (event) => (event.target.name === "q" ? later() : apply()));
  form.addEventListener("change", (event) => (event.target.name === "q" ? later() : apply()));
  form.addEventListener("submit", (event) => event.preventDefault());
  form.addEventListener("reset", () => setTimeout(() => { showVariants(false); apply(); }));
  window.addEventListener("hashchange", openFromHash);
  const box = table.closest(".matrix-box");
  if ("IntersectionObserver" in window) {
    const near = new IntersectionObserver(
      (entries) => {
        if (!entries.some((entry) => entry.isIntersecting)) return;
        near.disconnect();
        wantCells();
      },
      { rootMargin: "100% 0px" },
    );
    near.observe(box);
  } else {
    wantCells();
  }
  apply();
  needsApply();
  openFromHash();
  // What nox -s page reads as "the table is interactive": its filters, search and keys work.
  performance.mark("matrix-interactive");
})();
