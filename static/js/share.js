// "Copy link" on article pages. Without JavaScript the button stays hidden and the link is
// shown in a field to select and copy by hand.
for (const button of document.querySelectorAll("button.copy-link")) {
  const field = document.getElementById(button.dataset.copy);
  const status = document.getElementById(button.dataset.status);
  if (field && status && navigator.clipboard) {
    button.hidden = false;
    button.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(field.value);
        status.textContent = "Link copied.";
      } catch {
        field.select();
        status.textContent = "Press Ctrl+C (or Cmd+C) to copy the selected link.";
      }
    });
  }
}
