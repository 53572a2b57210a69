// MathJax 3 configuration, shared by the Markdown pages and the rendered notebooks.
// * Markdown pages: pymdownx.arithmatex (generic mode) wraps math in class "arithmatex" as \( \) / \[ \].
// * Notebook pages (mkdocs-jupyter): the markdown cells keep Jupyter's $ / $$ delimiters inside
//   "jp-RenderedMarkdown" blocks.
// Only those elements are typeset, so a stray "$" elsewhere (code, prices) is left alone.
// The MathJax script itself is fetched by the browser when a page is viewed; the build needs no network.
window.MathJax = {
  tex: {
    inlineMath: [["\\(", "\\)"], ["$", "$"]],
    displayMath: [["\\[", "\\]"], ["$$", "$$"]],
    processEscapes: true,
    processEnvironments: true,
    tags: "none"
  },
  options: {
    ignoreHtmlClass: ".*|",
    processHtmlClass: "arithmatex|jp-RenderedMarkdown|jp-MarkdownOutput"
  }
};

document$.subscribe(() => {
  if (window.MathJax && MathJax.typesetPromise) {
    MathJax.startup.output.clearCache();
    MathJax.typesetClear();
    MathJax.texReset();
    MathJax.typesetPromise();
  }
});
