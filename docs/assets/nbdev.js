// nbdev conventions for notebooks rendered by mkdocs-jupyter (which knows nothing of nbdev):
// - cells whose leading `#|` directives include `hide`, `default_exp` or `include: false` are not shown;
//   `echo: false` hides the code, `output: false` the outputs;
// - the leading `#| ...` directive lines are removed from the code that is shown (and copied);
// - show_doc's source links carry Quarto attributes (`[source](url){target="_blank" style="..."}`)
//   that plain markdown prints as text: they are applied to the link instead.
// Exported code (`#| export`) stays visible: in textlib the code is the lesson. Set
// HIDE_EXPORTED = true to hide it as nbdev's Quarto site does.
(function () {
  const HIDE_EXPORTED = false;
  const DIRECTIVE = /^\s*#\s*\|\s*([\w-]+)\s*:?\s*(.*)$/;

  function outerCell(el) {
    let c = el.closest('.jp-Cell');
    while (c && c.parentElement && c.parentElement.classList.contains('jp-Cell')) c = c.parentElement;
    return c;
  }

  function dropLeadingLines(pre, n) {
    // remove the first n lines of a highlighted <pre>, keeping the highlighting of the rest
    while (n > 0 && pre.firstChild) {
      const node = pre.firstChild, t = node.textContent;
      const nls = (t.match(/\n/g) || []).length;
      if (nls < n) { pre.removeChild(node); n -= nls; continue; }
      let pos = -1;
      for (let i = 0; i < n; i++) pos = t.indexOf('\n', pos + 1);
      node.textContent = t.slice(pos + 1);
      n = 0;
    }
  }

  function processCodeCells() {
    document.querySelectorAll('.jp-InputArea .highlight-ipynb pre').forEach(function (pre) {
      const lines = pre.textContent.split('\n');
      const dirs = {};
      let n = 0;
      while (n < lines.length) {
        const m = lines[n].match(DIRECTIVE);
        if (!m) break;
        dirs[m[1].toLowerCase()] = m[2].trim().toLowerCase();
        n++;
      }
      if (n === 0) return;
      const cell = outerCell(pre);
      if (!cell) return;
      if ('hide' in dirs || 'default_exp' in dirs || dirs.include === 'false') { cell.style.display = 'none'; return; }
      const input = cell.querySelector('.jp-Cell-inputWrapper');
      if (dirs.echo === 'false' || (HIDE_EXPORTED && ('export' in dirs || 'exporti' in dirs))) {
        if (input) input.style.display = 'none';
      }
      if (dirs.output === 'false') cell.querySelectorAll('.jp-Cell-outputWrapper').forEach(function (o) { o.style.display = 'none'; });
      dropLeadingLines(pre, n);
      const copy = cell.querySelector('.clipboard-copy-txt');
      if (copy) copy.textContent = copy.textContent.split('\n').slice(n).join('\n');
    });
  }

  function fixQuartoLinkAttributes() {
    document.querySelectorAll('.jp-RenderedMarkdown a').forEach(function (a) {
      const next = a.nextSibling;
      if (!next || next.nodeType !== Node.TEXT_NODE) return;
      const m = next.textContent.match(/^\{([^}]*)\}/);
      if (!m || !/\w+=/.test(m[1])) return;
      m[1].replace(/([\w-]+)="([^"]*)"/g, function (_, k, v) { a.setAttribute(k, v); return ''; });
      if (a.getAttribute('target') === '_blank') a.setAttribute('rel', 'noopener');
      next.textContent = next.textContent.slice(m[0].length);
    });
  }

  function run() { processCodeCells(); fixQuartoLinkAttributes(); }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', run);
  else run();
})();
