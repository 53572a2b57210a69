// MathJax 3 configuration, shared by the Markdown pages and the rendered notebooks.
// * Markdown pages: pymdownx.arithmatex (generic mode) wraps math in class "arithmatex" as \( \) / \[ \].
// * Notebook pages (mkdocs-jupyter): the markdown cells keep Jupyter's $ / $$ delimiters inside
//   "jp-RenderedMarkdown" blocks.
// The whole page is searched (MathJax's default): an "ignore everything but these classes" setup
// would skip the <p> elements inside a notebook's markdown cell. Code blocks are never searched.
// The MathJax script itself is fetched by the browser when a page is viewed; the build needs no network.
window.MathJax = {
  tex: {
    inlineMath: [["\\(", "\\)"], ["$", "$"]],
    displayMath: [["\\[", "\\]"], ["$$", "$$"]],
    processEscapes: true,
    processEnvironments: true,
    tags: "none",
    packages: { "[+]": ["boldsymbol"] }
  },
  loader: { load: ["[tex]/boldsymbol"] },
  options: {
    skipHtmlTags: ["script", "noscript", "style", "textarea", "pre", "code", "svg"]
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
