// Post editor, enhanced: each body-image snippet of the media picker (views/posts/_media-picker.ejs,
// `input[data-snippet]`) gets an "Insert" button that puts its Markdown at the cursor of the post's body
// textarea (name="body"), on a line of its own. Without this script the snippets are plain read-only fields to copy.
(function () {
  'use strict';
  // The cover picker gets a search box over the images' alt text and file names.
  var grid = document.querySelector('.media-picker .picker-grid');
  if (grid && grid.children.length > 6) {
    var search = document.createElement('input');
    search.type = 'search';
    search.className = 'form-control form-control-sm mb-2';
    search.placeholder = 'Search images';
    search.setAttribute('aria-label', 'Search cover images by description or file name');
    var found = document.createElement('div');
    found.className = 'visually-hidden';
    found.setAttribute('role', 'status');
    grid.before(search, found);
    search.addEventListener('input', function () {
      var words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      Array.prototype.forEach.call(grid.children, function (cell) {
        var text = cell.getAttribute('data-picker-text') || '';
        var match = words.every(function (w) { return text.indexOf(w) !== -1; });
        // The chosen cover stays visible, so a search never hides what the form will send.
        var chosen = cell.querySelector('input:checked');
        cell.hidden = !match && !chosen;
        if (!cell.hidden) shown++;
      });
      found.textContent = shown + (shown === 1 ? ' image' : ' images') + ' shown';
    });
  }
  var snippets = document.querySelectorAll('input[data-snippet]');
  if (!snippets.length) return;

  var BODY = 'textarea[name="body"], textarea[name="bodyMarkdown"]';
  function bodyFor(input) {
    return (input.form && input.form.querySelector(BODY)) || document.querySelector(BODY);
  }

  var status = document.createElement('div');
  status.className = 'visually-hidden';
  status.setAttribute('role', 'status');
  document.body.appendChild(status);

  function insertAtCursor(textarea, snippet) {
    var start = textarea.selectionStart;
    var end = textarea.selectionEnd;
    var value = textarea.value;
    var before = start > 0 && value.charAt(start - 1) !== '\n' ? '\n\n' : '';
    var after = end < value.length && value.charAt(end) !== '\n' ? '\n\n' : '\n';
    textarea.setRangeText(before + snippet + after, start, end, 'end');
    // Let other scripts (preview, unsaved-changes warnings) hear about the edit.
    textarea.dispatchEvent(new Event('input', { bubbles: true }));
    textarea.focus();
  }

  Array.prototype.forEach.call(snippets, function (input) {
    input.addEventListener('focus', function () {
      input.select();
    });
    var textarea = bodyFor(input);
    if (!textarea || typeof textarea.setRangeText !== 'function') return;
    var label = document.querySelector('label[for="' + input.id + '"]');
    var button = document.createElement('button');
    button.type = 'button';
    button.className = 'btn btn-sm btn-outline-secondary flex-shrink-0';
    button.textContent = 'Insert';
    button.setAttribute('aria-label', 'Insert into the body: ' + (label ? label.textContent.trim() : input.value));
    button.addEventListener('click', function () {
      insertAtCursor(textarea, input.value);
      status.textContent = 'Image inserted into the body.';
    });
    var row = input.closest('li') || input.parentNode;
    row.appendChild(button);
  });
})();
