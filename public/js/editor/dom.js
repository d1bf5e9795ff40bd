// Small DOM helpers the editor's modules share (bundled with them by scripts/build.mjs).

/** A `<button type="button">` with these classes and this text (never HTML). */
export function newButton(className, text) {
  const element = document.createElement('button');
  element.type = 'button';
  element.className = className;
  element.textContent = text;
  return element;
}
