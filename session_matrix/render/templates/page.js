(() => {
  "use strict";
  document.documentElement.classList.add("js");
  const config = JSON.parse(document.getElementById("matrix-config").textContent);
  const form = document.getElementById("filters");
  const table = document.getElementById("matrix");
  const rows = Array.from(table.querySelectorAll("tr.pattern"));
  const shown = document.getElementById("shown");
  const detailOf = (row) => document.getElementById("d-" + row.id);

  const checkedConfigs = () =>
    new Set(Array.from(form.querySelectorAll("input[name=config]:checked"), (box) => box.value));

  // "all configurations": show every engine's variants beside its default, or hide them.
  function showVariants(on) {
    for (const el of document.querySelectorAll("#filters label.variant, .card.variant")) el.hidden = !on;
    for (const box of form.querySelectorAll("input[name=config][data-default=no]")) box.checked = on;
  }

  // Tones of the cells that ran, per Django version, over the visible configurations.
  function tonesByVersion(row, configs, versions) {
    const byVersion = new Map(versions.map((version) => [version, new Set()]));
    for (const seg of row.querySelectorAll("td.cell .strip > i[data-ran]")) {
      const cell = seg.closest("td.cell");
      if (configs.has(cell.dataset.config) && byVersion.has(seg.dataset.v)) {
        byVersion.get(seg.dataset.v).add(seg.dataset.t);
      }
    }
    return Array.from(byVersion.values());
  }

  // One Django version: each cell shows that version's glyph and colour.
  function showVersion(row, version) {
    for (const cell of row.querySelectorAll("td.cell")) {
      const button = cell.querySelector("button");
      const sum = button.querySelector(".sum");
      if (sum.dataset.all === undefined) sum.dataset.all = sum.textContent;
      const seg = version && button.querySelector(`.strip > i[data-v="${version}"]`);
      let tone = button.dataset.tone;
      if (seg) tone = tone === "everywhere" && seg.dataset.t === "bad" ? "everywhere" : seg.dataset.t;
      sum.textContent = seg ? seg.dataset.g : sum.dataset.all;
      for (const words of button.querySelectorAll(".words")) words.hidden = Boolean(seg);
      button.className = "cell-btn tone-" + tone;
    }
  }

  function apply() {
    const configs = checkedConfigs();
    const version = form.elements.django.value;
    const theme = form.elements.theme.value;
    const query = form.elements.q.value.trim().toLowerCase();
    const versions = version ? [version] : config.versions;
    for (const el of document.querySelectorAll("#matrix > thead th[data-config], #matrix tr.pattern > td.cell, #matrix tr.detail tr[data-config]")) {
      el.hidden = !configs.has(el.dataset.config);
    }
    let count = 0;
    for (const row of rows) {
      showVersion(row, version);
      const tones = tonesByVersion(row, configs, versions);
      let visible = !theme || row.dataset.theme === theme;
      if (form.elements.differ.checked) visible &&= tones.some((set) => set.size > 1);
      if (form.elements.failing.checked) visible &&= tones.some((set) => set.has("bad"));
      if (form.elements.controls.checked) visible &&= row.dataset.verdict !== config.everywhere;
      if (query) {
        const text = row.querySelector("th").textContent + " " + row.dataset.id;
        visible &&= text.toLowerCase().includes(query);
      }
      row.hidden = !visible;
      detailOf(row).hidden = !visible;
      count += visible ? 1 : 0;
    }
    for (const group of table.querySelectorAll("tbody.theme")) {
      group.hidden = !group.querySelector("tr.pattern:not([hidden])");
    }
    document.getElementById("no-rows").hidden = count > 0;
    shown.textContent = `Showing ${count} of ${rows.length} idioms`;
  }

  function setOpen(row, open, focus) {
    const detail = detailOf(row);
    detail.classList.toggle("open", open);
    detail.dataset.focus = open ? focus : "";
    row.classList.toggle("expanded", open);
    for (const button of row.querySelectorAll("button")) {
      button.setAttribute("aria-expanded", String(open && (button.dataset.config || "") === focus));
    }
    for (const line of detail.querySelectorAll("tr[data-config]")) {
      line.classList.toggle("focus", open && line.dataset.config === focus);
    }
  }

  table.addEventListener("click", (event) => {
    const button = event.target.closest("button.idiom, button.cell-btn");
    if (!button) return;
    const row = button.closest("tr.pattern");
    const focus = button.dataset.config || "";
    const detail = detailOf(row);
    const same = detail.classList.contains("open") && detail.dataset.focus === focus;
    setOpen(row, !same, focus);
    if (!same) history.replaceState(null, "", "#" + row.id);
  });

  function openFromHash() {
    const id = decodeURIComponent(location.hash.slice(1));
    const row = id && document.getElementById(id);
    if (!row || !row.classList.contains("pattern")) return;
    if (row.hidden) {
      form.reset();
      apply();
    }
    setOpen(row, true, "");
    row.scrollIntoView({ block: "start" });
  }

  form.elements.variants.addEventListener("change", (event) => showVariants(event.target.checked));
  form.addEventListener("input", apply);
  form.addEventListener("change", apply);
  form.addEventListener("submit", (event) => event.preventDefault());
  form.addEventListener("reset", () => setTimeout(() => { showVariants(false); apply(); }));
  window.addEventListener("hashchange", openFromHash);
  apply();
  openFromHash();
})();
