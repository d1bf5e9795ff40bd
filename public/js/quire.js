// Progressive enhancement only: every page works without this file.
(function () {
  'use strict';
  // Ask before destructive actions that are marked with data-confirm (the server still shows its own
  // confirmation page where one is required).
  document.addEventListener('submit', function (event) {
    var form = event.target;
    if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });
})();
