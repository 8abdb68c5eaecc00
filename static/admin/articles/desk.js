// The article form as an editor's desk (articles/admin_workflow.py): autosave and recovery,
// a warning before leaving with unsaved changes, Ctrl/Cmd+S, Pin/Hide without leaving the
// form, a live word count, search and social previews, an internal-link picker, and a body
// toolbar that is one Tab stop. Everything works on the server without it; it only helps.
(function () {
  "use strict";

  const form = document.getElementById("article_form");
  const desk = document.querySelector(".desk-state");
  if (!form || !desk) return;

  const csrf = () => form.querySelector("[name=csrfmiddlewaretoken]").value;
  const body = form.querySelector("textarea[name=body]");
  let editor = null; // the rich-text editor (tiptap), once it is ready
  let dirty = false;
  let changedSinceAutosave = false;
  let submitting = false;

  function markDirty() {
    dirty = true;
    changedSinceAutosave = true;
    refreshCounts();
    refreshPreviews();
  }

  form.addEventListener("input", markDirty);
  form.addEventListener("change", markDirty);
  form.addEventListener("submit", () => {
    submitting = true;
  });
  window.addEventListener("beforeunload", (event) => {
    if (dirty && !submitting) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  // Ctrl/Cmd+S saves the draft (the first button of the form).
  document.addEventListener("keydown", (event) => {
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "s") {
      event.preventDefault();
      const save = form.querySelector(".desk-buttons input[name=_save]");
      if (save) save.click();
    }
  });

  // --- Autosave: the form every few seconds while it changes, into the editor's slot ----------

  const status = desk.querySelector(".desk-autosave-status");
  function autosave() {
    if (!changedSinceAutosave || submitting) return;
    changedSinceAutosave = false;
    if (editor && body) body.value = editor.getHTML();
    const data = new FormData(form);
    for (const [key, value] of Array.from(data.entries())) {
      if (value instanceof File) data.delete(key);
    }
    fetch(desk.dataset.autosaveUrl, {
      method: "POST",
      body: data,
      headers: { "X-CSRFToken": csrf() },
      credentials: "same-origin",
    })
      .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
      .then((answer) => {
        if (status) status.textContent = " · " + answer.label;
      })
      .catch(() => {
        changedSinceAutosave = true;
        if (status) status.textContent = " · Not kept: the server did not answer; save soon.";
      });
  }
  window.setInterval(autosave, 4000);

  // Restore what was kept, or dismiss it.
  const recover = desk.querySelector(".desk-recover");
  if (recover) {
    recover.querySelector(".desk-restore").addEventListener("click", () => {
      restore(JSON.parse(recover.dataset.autosave));
      recover.remove();
      markDirty();
    });
    recover.querySelector(".desk-dismiss").addEventListener("click", () => recover.remove());
  }

  function addInlineRows(data) {
    for (const key of Object.keys(data)) {
      const match = key.match(/^(.+)-TOTAL_FORMS$/);
      if (!match) continue;
      const total = form.querySelector(`[name="${key}"]`);
      const group = document.getElementById(`${match[1]}-group`);
      const add = group && group.querySelector(".add-row a");
      let have = total ? parseInt(total.value, 10) : 0;
      while (add && have < parseInt(data[key], 10)) {
        add.click();
        have += 1;
      }
    }
  }

  function restore(data) {
    addInlineRows(data);
    for (const [name, value] of Object.entries(data)) {
      const field = form.elements.namedItem(name);
      if (!field || name.endsWith("_FORMS")) continue;
      const values = Array.isArray(value) ? value : [value];
      if (field instanceof RadioNodeList) {
        for (const option of field) option.checked = values.includes(option.value);
      } else if (field.type === "checkbox") {
        field.checked = values.includes(field.value) || values.includes("on");
      } else if (field.tagName === "SELECT") {
        for (const wanted of values) {
          if (!Array.from(field.options).some((o) => o.value === wanted)) {
            field.add(new Option(`(restored: ${wanted})`, wanted));
          }
        }
        for (const option of field.options) option.selected = values.includes(option.value);
      } else if (field.type !== "file") {
        field.value = values[0];
      }
    }
    if (editor && data.body !== undefined) editor.commands.setContent(data.body);
  }

  // --- Pin, Hide, Show again: act at once, keep the form ------------------------------------

  document.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-related-action]");
    if (!button) return;
    event.preventDefault();
    button.disabled = true;
    fetch(button.dataset.relatedAction, {
      method: "POST",
      headers: { "X-CSRFToken": csrf(), Accept: "application/json" },
      credentials: "same-origin",
    })
      .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
      .then((answer) => {
        const panel = document.getElementById("related-suggestions");
        if (panel && answer.panel) panel.outerHTML = answer.panel;
        const version = form.querySelector("[name=edited_version]");
        if (version && answer.version !== undefined) version.value = answer.version;
        const note = document.getElementById("related-suggestions");
        if (note && answer.message) {
          const said = document.createElement("p");
          said.className = "help desk-related-message";
          said.setAttribute("role", "status");
          said.textContent = answer.message;
          note.prepend(said);
        }
      })
      .catch(() => {
        button.disabled = false;
        window.alert("That did not work; reload the page and try again.");
      });
  });

  // --- Word count, reading time, search snippet and social card -------------------------------

  const wordsPerMinute = 230;
  let counter = null;
  function textOfBody() {
    const html = editor ? editor.getHTML() : body ? body.value : "";
    const scratch = document.createElement("div");
    scratch.innerHTML = html;
    return scratch.textContent || "";
  }
  function refreshCounts() {
    if (!body) return;
    if (!counter) {
      counter = document.createElement("p");
      counter.className = "help desk-word-count";
      counter.setAttribute("aria-live", "polite");
      const field = body.closest(".form-row") || body.parentElement;
      field.appendChild(counter);
    }
    const words = textOfBody().split(/\s+/).filter(Boolean).length;
    const minutes = Math.max(1, Math.ceil(words / wordsPerMinute));
    counter.textContent = `${words} words · ${minutes} min read`;
  }

  const value = (name) => {
    const field = form.elements.namedItem(name);
    return field && field.value ? field.value.trim() : "";
  };
  const cut = (text, length) => (text.length > length ? text.slice(0, length - 1) + "…" : text);
  function refreshPreviews() {
    const box = document.querySelector(".desk-previews");
    if (!box) return;
    const title = value("seo_title") || value("title") || "Untitled";
    const description = value("seo_description") || value("summary") || value("dek");
    const address = `${box.dataset.site}/articles/${value("slug") || "…"}/`;
    const snippet = box.querySelector(".desk-snippet");
    snippet.replaceChildren();
    const heading = document.createElement("strong");
    heading.textContent = cut(title, 60);
    const url = document.createElement("span");
    url.className = "desk-snippet-url";
    url.textContent = address;
    const text = document.createElement("span");
    text.textContent = cut(description, 155) || "(no description: the summary is empty)";
    snippet.append(url, heading, text);
    const card = box.querySelector(".desk-social-card");
    card.replaceChildren();
    const picture = document.querySelector(".field-hero_preview img");
    if (picture) {
      const image = document.createElement("img");
      image.src = picture.src;
      image.alt = "";
      card.appendChild(image);
    }
    const cardTitle = document.createElement("strong");
    cardTitle.textContent = cut(value("title") || "Untitled", 90);
    const cardText = document.createElement("span");
    cardText.textContent = cut(description, 120);
    card.append(cardTitle, cardText);
  }

  // --- The body editor: one Tab stop for its toolbar, and a link picker -----------------------

  function rovingToolbar(container) {
    const bar = container.querySelector(".prose-menubar");
    if (!bar) return;
    const buttons = () =>
      Array.from(bar.querySelectorAll("button, [role=button]")).filter(
        (b) => b.offsetParent !== null
      );
    bar.setAttribute("role", "toolbar");
    bar.setAttribute("aria-label", "Formatting");
    buttons().forEach((b, index) => b.setAttribute("tabindex", index === 0 ? "0" : "-1"));
    bar.addEventListener("keydown", (event) => {
      if (!["ArrowLeft", "ArrowRight", "Home", "End"].includes(event.key)) return;
      const all = buttons();
      const at = all.indexOf(document.activeElement);
      if (at < 0) return;
      event.preventDefault();
      let next = at;
      if (event.key === "ArrowRight") next = (at + 1) % all.length;
      if (event.key === "ArrowLeft") next = (at - 1 + all.length) % all.length;
      if (event.key === "Home") next = 0;
      if (event.key === "End") next = all.length - 1;
      all[at].setAttribute("tabindex", "-1");
      all[next].setAttribute("tabindex", "0");
      all[next].focus();
    });
  }

  function linkPicker(container) {
    const picker = document.createElement("div");
    picker.className = "desk-link-picker";
    const label = document.createElement("label");
    label.textContent = "Link to an article: ";
    const input = document.createElement("input");
    input.type = "search";
    input.placeholder = "Type a title";
    input.setAttribute("aria-controls", "desk-link-results");
    label.appendChild(input);
    const results = document.createElement("ul");
    results.id = "desk-link-results";
    results.setAttribute("aria-live", "polite");
    picker.append(label, results);
    container.after(picker);
    let timer = null;
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter") event.preventDefault(); // never submits the form
    });
    input.addEventListener("input", (event) => {
      event.stopPropagation(); // searching is not an edit of the article
      window.clearTimeout(timer);
      timer = window.setTimeout(() => {
        const term = input.value.trim();
        if (term.length < 2) return results.replaceChildren();
        fetch(`${desk.dataset.linkSearchUrl}?q=${encodeURIComponent(term)}`, {
          credentials: "same-origin",
        })
          .then((response) => response.json())
          .then((answer) => {
            results.replaceChildren(
              ...answer.results.map((found) => {
                const item = document.createElement("li");
                const choose = document.createElement("button");
                choose.type = "button";
                choose.className = "button";
                choose.textContent = found.title;
                choose.addEventListener("click", () => insertLink(found));
                item.appendChild(choose);
                return item;
              })
            );
          });
      }, 250);
    });
  }

  function insertLink(found) {
    if (!editor) return;
    const { empty } = editor.state.selection;
    if (empty) {
      const link = document.createElement("a");
      link.href = found.url;
      link.textContent = found.title;
      editor.chain().focus().insertContent(link.outerHTML).run();
    } else {
      editor.chain().focus().extendMarkRange("link").setLink({ href: found.url }).run();
    }
    markDirty();
  }

  function adopt(found) {
    if (editor || !found) return;
    editor = found;
    editor.on("update", markDirty);
    const container = body.closest(".prose-editor") || body.parentElement;
    rovingToolbar(container);
    linkPicker(container);
    refreshCounts();
  }
  document.addEventListener("prose-editor:ready", (event) => {
    if (event.detail.textarea === body) adopt(event.detail.editor);
  });
  // The editor may be ready before this script listens: tiptap keeps it on its element.
  const looking = window.setInterval(() => {
    const surface = body && body.parentElement.querySelector(".tiptap");
    if (surface && surface.editor) adopt(surface.editor);
    if (editor || !body) window.clearInterval(looking);
  }, 100);
  refreshCounts();
  refreshPreviews();
})();
