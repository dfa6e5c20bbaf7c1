// MathJax 3 configuration for the docs site (mkdocs.yml loads this first, then the vendored
// MathJax 3.2.2 from the npm package `mathjax`: es5/tex-chtml-full.js and its woff-v2 fonts, in
// assets/mathjax/, Apache-2.0, see assets/mathjax/LICENSE), so equations render without network.
// Notebook markdown cells keep `$...$` and `$$...$$`; MathJax skips <pre>/<code>, and the
// hidden copy-to-clipboard text of code cells is ignored so copying code never copies typeset math.
window.MathJax = {
  tex: {
    inlineMath: [['$', '$'], ['\\(', '\\)']],
    displayMath: [['$$', '$$'], ['\\[', '\\]']],
    processEscapes: true,
    processEnvironments: true,
    tags: 'ams'
  },
  options: {
    ignoreHtmlClass: 'tex2jax_ignore|clipboard-copy-txt',
    processHtmlClass: 'tex2jax_process|arithmatex'
  }
};
