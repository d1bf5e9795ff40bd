// Post editor, enhanced: each body-image snippet of the media picker (views/posts/_media-picker.ejs,
// `input[data-snippet]`) gets an "Insert" button that puts its Markdown at the cursor of the post's body
// textarea (name="body"), on a line of its own. Without this script the snippets are plain read-only fields to copy.
(function () {
  'use strict';
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
