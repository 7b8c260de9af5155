// The console's only script. Pages work without it; with it, the attempts of a webhook
// refresh themselves every few seconds, and destructive forms ask for confirmation.
"use strict";
(function () {
  const every = 2000; // ms between refreshes of the attempts
  const rows = document.querySelector("tbody[data-live]");
  if (rows) {
    let last = rows.innerHTML;
    let busy = false;
    const known = () => new Set(Array.from(rows.querySelectorAll("tr.attempt a")).map((a) => a.getAttribute("href")));
    const refresh = async () => {
      if (busy || document.hidden) return;
      busy = true;
      try {
        const resp = await fetch(rows.dataset.live, { credentials: "same-origin", headers: { "X-Console-Fetch": "1" } });
        if (resp.status === 401 || resp.redirected) {
          window.location.assign("/console/signin");
          return;
        }
        if (!resp.ok) return;
        const html = await resp.text();
        if (html === last) return;
        const before = known();
        // The rows come from the server's own templates, which escape every value.
        rows.innerHTML = html;
        last = html;
        for (const a of rows.querySelectorAll("tr.attempt a")) {
          if (!before.has(a.getAttribute("href"))) a.closest("tr").classList.add("fresh");
        }
      } catch (e) {
        // A failed refresh is retried at the next tick.
      } finally {
        busy = false;
      }
    };
    window.setInterval(refresh, every);
  }
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (e) => {
      if (!window.confirm(form.dataset.confirm)) e.preventDefault();
    });
  }
})();
