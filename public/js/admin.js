// Admin lists: a "select all" box for bulk actions. Only an enhancement: without it, each row's box works.
(function () {
  'use strict';
  document.querySelectorAll('input[data-select-all]').forEach(function (all) {
    var form = all.closest('form');
    if (!form) return;
    var boxes = function () {
      return Array.prototype.slice.call(form.querySelectorAll('input[type=checkbox][name="' + all.dataset.selectAll + '"]'));
    };
    all.hidden = false;
    all.addEventListener('change', function () {
      boxes().forEach(function (box) { box.checked = all.checked; });
    });
    form.addEventListener('change', function (event) {
      if (event.target === all) return;
      var list = boxes();
      var ticked = list.filter(function (box) { return box.checked; }).length;
      all.checked = ticked === list.length;
      all.indeterminate = ticked > 0 && ticked < list.length;
    });
  });
})();
