"""MkDocs hook (see `hooks:` in mkdocs.yml): the table of contents and title of notebook pages.

mkdocs-jupyter (0.26) builds a notebook page's TOC and title from a markdown export of the notebook from
which it first deletes every `inline code` span (`nbconvert2.nb2md`), so a heading such as
"# The `Learner`: a training loop ..." became "The : a training loop ..." in the navigation, the TOC and
the browser title, and the TOC anchors (slugs of the cut text) did not match the ids of the headings
in the page, so those TOC entries linked nowhere.

This hook rebuilds both from the rendered page itself, after mkdocs-jupyter has rendered it (so also when
its cache answers): the h1-h`toc_depth` headings of the markdown cells, with their own ids and their text
with the tags stripped (`Learner` stays code in the page body). Plain .md pages are left alone.
"""
import html
import re

from mkdocs.structure.toc import get_toc

_CELL = re.compile(r'<div\b[^>]*\bclass="jp-Cell(?:\s[^"]*)?"')  # a cell's outer div (not jp-Cell-inputWrapper...)
_HEADING = re.compile(r'<h([1-6])\b([^>]*)>(.*?)</h\1\s*>', re.S | re.I)
_ID = re.compile(r'\bid\s*=\s*(["\'])(.*?)\1', re.S)
_ANCHOR = re.compile(r'<a\b[^>]*\bclass="anchor-link"[^>]*>.*?</a>', re.S)  # the ¶ link nbconvert appends
_TAG = re.compile(r'<[^>]*>')


def _text(inner_html):
    "The heading's text, HTML-escaped as MkDocs expects of TOC and page titles."
    text = html.unescape(_TAG.sub('', _ANCHOR.sub('', inner_html)))
    return html.escape(' '.join(text.split()), quote=False)


def markdown_cell_headings(content, max_level=6):
    "(level, id, text) of each heading with an id in the markdown cells of nbconvert's HTML `content`."
    starts = [m.start() for m in _CELL.finditer(content)] + [len(content)]
    for start, end in zip(starts, starts[1:]):
        cell = content[start:end]
        if 'jp-MarkdownCell' not in _CELL.match(cell).group(0): continue   # code cells (show_doc outputs...)
        for level, attrs, inner in _HEADING.findall(cell):
            m = _ID.search(attrs)
            if m and int(level) <= max_level: yield int(level), html.unescape(m.group(2)), _text(inner)


def _nest(headings):
    "TOC tokens as Python-Markdown's toc extension nests them."
    root, stack = [], []
    for level, id_, name in headings:
        token = dict(level=level, id=id_, name=name, html=name, children=[])
        token['data-toc-label'] = ''
        while stack and stack[-1]['level'] >= level: stack.pop()
        (stack[-1]['children'] if stack else root).append(token)
        stack.append(token)
    return root


def _jupyter_config(config):
    plugin = config.plugins.get('mkdocs-jupyter')
    return plugin.config if plugin is not None else {}


def on_page_content(html_content, page, config, files):
    if not page.file.src_uri.endswith('.ipynb') or not _CELL.search(html_content): return html_content  # not nbconvert's lab HTML
    opts = _jupyter_config(config)
    headings = list(markdown_cell_headings(html_content, opts.get('toc_depth', 6)))
    page.toc = get_toc(_nest(headings))
    if not opts.get('ignore_h1_titles', False) and 'title' not in page.meta:
        title = next((name for level, _, name in headings if level == 1), None)
        if title: page.title = title
    return html_content
