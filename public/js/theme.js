// Colour mode (Bootstrap 5.3's data-bs-theme): light or dark as the system asks (prefers-color-scheme),
// unless the visitor chose one with the header toggle; the choice is kept in this browser (localStorage),
// never sent to the server, so cached pages are the same for everyone. Loaded synchronously in <head>
// (the CSP allows no inline script) so the page is painted in the right mode from the first frame.
(function () {
  'use strict';
  var KEY = 'quire-theme';
  var root = document.documentElement;
  var media = window.matchMedia ? window.matchMedia('(prefers-color-scheme: dark)') : null;

  function stored() {
    try {
      var value = window.localStorage.getItem(KEY);
      return value === 'light' || value === 'dark' ? value : null;
    } catch {
      return null; // storage blocked: follow the system
    }
  }

  function resolved() {
    return stored() || (media && media.matches ? 'dark' : 'light');
  }

  function apply() {
    var mode = resolved();
    root.setAttribute('data-bs-theme', mode);
    var buttons = document.querySelectorAll('[data-theme-toggle]');
    for (var i = 0; i < buttons.length; i++) {
      var next = mode === 'dark' ? 'light' : 'dark';
      buttons[i].setAttribute('aria-pressed', mode === 'dark' ? 'true' : 'false');
      buttons[i].setAttribute('title', 'Switch to ' + next + ' mode');
      var label = buttons[i].querySelector('[data-theme-label]');
      if (label) label.textContent = 'Dark mode';
    }
  }

  apply();
  if (media && media.addEventListener) media.addEventListener('change', apply);

  document.addEventListener('DOMContentLoaded', function () {
    var buttons = document.querySelectorAll('[data-theme-toggle]');
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].hidden = false;
      buttons[i].addEventListener('click', function () {
        var next = resolved() === 'dark' ? 'light' : 'dark';
        var system = media && media.matches ? 'dark' : 'light';
        try {
          // Choosing what the system says anyway forgets the choice: the page follows the system again.
          if (next === system) window.localStorage.removeItem(KEY);
          else window.localStorage.setItem(KEY, next);
        } catch {
          /* storage blocked: the change lasts for this page only */
        }
        root.setAttribute('data-bs-theme', next);
        apply();
        if (resolved() !== next) root.setAttribute('data-bs-theme', next);
      });
    }
    apply();
  });
})();
