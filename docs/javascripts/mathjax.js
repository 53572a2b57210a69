// MathJax 3 configuration, shared by the Markdown pages and the rendered notebooks.
// * Markdown pages: pymdownx.arithmatex (generic mode) wraps math in class "arithmatex" as \( \) / \[ \].
// * Notebook pages (mkdocs-jupyter): the markdown cells keep Jupyter's $ / $$ delimiters inside
//   "jp-RenderedMarkdown" blocks.
// The whole page is searched (MathJax's default): an "ignore everything but these classes" setup
// would skip the <p> elements inside a notebook's markdown cell. Code blocks are never searched.
// MathJax itself is served by the site (javascripts/mathjax/, copied at build time from the package
// django-static-mathjax by tools/mkdocs_hooks.py): neither the build nor a reader needs a network.
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
