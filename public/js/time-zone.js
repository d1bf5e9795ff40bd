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

  // The editor of a user without a zone: the schedule field was written by the server in UTC. It is moved to
  // the browser's zone (the same instants, shown as this browser's wall times), the hidden timeZone field
  // tells the server to read it there, and the label says which zone and offset. Only from UTC, the one
  // zone the server writes it in for such a user; a form sent back after a 422 already names its zone.
  (function () {
    var hidden = document.querySelector('input[data-browser-schedule-zone]');
    if (!hidden || !hidden.form) return;
    var field = hidden.form.querySelector('input[name="publishAt"]');
    if (!field) return;
    var WALL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/;
    function two(n) {
      return String(n).padStart(2, '0');
    }
    // "2026-11-24T09:30" read as UTC, written as this browser's wall time (JavaScript's local zone is the browser's).
    function fromUtc(value) {
      var m = WALL.exec(value);
      if (!m) return value;
      var d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]));
      return d.getFullYear() + '-' + two(d.getMonth() + 1) + '-' + two(d.getDate()) + 'T' + two(d.getHours()) + ':' + two(d.getMinutes());
    }
    function offsetLabel(date) {
      var minutes = -date.getTimezoneOffset();
      var abs = Math.abs(minutes);
      return 'UTC' + (minutes < 0 ? '-' : '+') + two(Math.floor(abs / 60)) + ':' + two(abs % 60);
    }
    if (hidden.value !== zone) {
      if (hidden.value !== 'UTC') return;
      field.value = fromUtc(field.value);
      if (field.min) field.min = fromUtc(field.min);
      hidden.value = zone;
    }
    var label = document.querySelector('label[for="' + field.id + '"]');
    if (label) label.textContent = 'Publish later (' + zone + ', ' + offsetLabel(new Date()) + ')';
    var name = hidden.form.querySelector('[data-schedule-zone-name]');
    if (name) name.textContent = zone + ' (this browser’s zone)';
  })();
})();
