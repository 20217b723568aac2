// syncsvc web page: the one script of our own (no inline script; the CSP forbids it).
// Shows upload progress while htmx sends a large file. Pages work without it.
document.addEventListener("htmx:xhr:progress", function (event) {
  var bar = document.getElementById("upload-progress");
  if (!bar || !event.detail.lengthComputable) return;
  bar.hidden = false;
  var percent = Math.round((event.detail.loaded / event.detail.total) * 100);
  bar.value = percent;
  bar.textContent = percent + "%";
});
// After a boosted swap, move focus to the main content so screen readers hear the new page.
document.addEventListener("htmx:afterSettle", function (event) {
  if (event.detail.boosted) {
    var main = document.getElementById("main");
    if (main) main.focus({ preventScroll: true });
  }
});
// The first-run page: Strava gives no time zone, so offer the browser's in place of UTC.
document.addEventListener("DOMContentLoaded", function () {
  var field = document.querySelector("form[data-guess-timezone] #p-timezone");
  if (!field || field.value !== "UTC" || !window.Intl) return;
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (zone) field.value = zone;
});
