// Progressive enhancement: a user without a time zone of their own starts from the browser's. Fills the
// hidden timeZone field of the sign-up and setup forms, and preselects the browser's zone on the account
// page (saying so) when none is saved. Without this script the server uses the site's zone (UTC), and the
// pages say so. The server checks whatever is sent (an unknown zone is dropped on sign-up, refused on the
// account page).
(function () {
  'use strict';
  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch {
    return;
  }
  if (!zone) return;
  document.querySelectorAll('input[data-browser-time-zone]').forEach(function (input) {
    if (!input.value) input.value = zone;
  });
  document.querySelectorAll('select[data-browser-time-zone]').forEach(function (select) {
    var option = Array.prototype.find.call(select.options, function (o) {
      return o.value === zone;
    });
    if (!option || option.selected) return;
    option.selected = true;
    var note = select.form && select.form.querySelector('[data-browser-time-zone-note]');
    if (note) note.hidden = false;
  });
})();
