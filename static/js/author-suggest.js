// The search page's author field: names of authors are suggested (a <datalist>) as a reader
// types. Without JavaScript the field takes a name, part of one or a slug all the same.
for (const field of document.querySelectorAll("input[data-suggest-url]")) {
  const list = document.getElementById(field.getAttribute("list"));
  let timer = null;
  let asked = "";
  field.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const text = field.value.trim();
      if (text.length < 2 || text === asked) return;
      asked = text;
      try {
        const response = await fetch(`${field.dataset.suggestUrl}?q=${encodeURIComponent(text)}`);
        if (!response.ok) return;
        const { authors } = await response.json();
        list.replaceChildren(
          ...authors.map(({ name }) => Object.assign(document.createElement("option"), { value: name })),
        );
      } catch {
        // No suggestions: the field still works.
      }
    }, 150);
  });
}
