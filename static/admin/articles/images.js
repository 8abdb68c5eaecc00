// The image form: a click on the preview sets the focal point (the number fields stay the
// way to set it without JavaScript), and "being prepared" renditions are checked again every
// few seconds until they are ready, without reloading the form.
"use strict";
(function () {
  function round(value) {
    return Math.min(1, Math.max(0, value)).toFixed(3);
  }

  function setUpPicker(picker) {
    const img = picker.querySelector("img");
    const marker = picker.querySelector(".focal-marker");
    const across = document.getElementById("id_focal_x");
    const down = document.getElementById("id_focal_y");
    if (!img || !marker || !across || !down) return;
    function place() {
      marker.style.left = `${Number(across.value) * 100}%`;
      marker.style.top = `${Number(down.value) * 100}%`;
    }
    img.addEventListener("click", (event) => {
      const box = img.getBoundingClientRect();
      across.value = round((event.clientX - box.left) / box.width);
      down.value = round((event.clientY - box.top) / box.height);
      place();
    });
    across.addEventListener("input", place);
    down.addEventListener("input", place);
  }

  function watchRenditions(state) {
    if (state.dataset.renditionsState !== "pending") return;
    const timer = setInterval(async () => {
      try {
        const response = await fetch(window.location.href, { credentials: "same-origin" });
        const page = new DOMParser().parseFromString(await response.text(), "text/html");
        const fresh = page.querySelector("[data-renditions-state]");
        if (!fresh) return;
        state.replaceWith(fresh);
        state = fresh;
        if (fresh.dataset.renditionsState !== "pending") clearInterval(timer);
      } catch (error) {
        clearInterval(timer);
      }
    }, 3000);
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-focal-picker]").forEach(setUpPicker);
    document.querySelectorAll("[data-renditions-state]").forEach(watchRenditions);
  });
})();
