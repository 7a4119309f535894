// Small enhancements only: every page works without JavaScript.
document.addEventListener("DOMContentLoaded", () => {
  // Forms marked data-autosubmit refresh their results as the filters change (htmx
  // swaps the results; without htmx the submit button does the same).
  document.querySelectorAll("form[data-autosubmit] select").forEach((select) => {
    select.addEventListener("change", () => select.form.requestSubmit());
  });
});
