"""MkDocs hook (see `hooks:` in mkdocs.yml): the table of contents and title of notebook pages.

mkdocs-jupyter (0.26) builds a notebook page's TOC and title from a markdown export of the notebook from
which it first deletes every `inline code` span (`nbconvert2.nb2md`), so a heading such as
"# The `Learner`: a training loop ..." became "The : a training loop ..." in the navigation, the TOC and
the browser title, and the TOC anchors (slugs of the cut text) did not match the ids of the headings
in the page, so those TOC entries linked nowhere.

This hook rebuilds both from the rendered page itself, after mkdocs-jupyter has rendered it (so also when
its cache answers): the h1-h`toc_depth` headings of the markdown cells, with their own ids and their text
with the tags stripped (`Learner` stays code in the page body). Plain .md pages are left alone.

API blocks (the headings that `show_doc` outputs render in code cells) get the dotted name as id
(`id="Learner.fit_one_cycle"`), a `[source]` link to their line on GitHub where the output has none (outputs saved
before `ShowDocTable` wrote one; the line is found by parsing textlib's modules, nothing is imported or run) and a
TOC entry nested under the section they appear in. nbconvert's ¶ permalinks become Material's `headerlink`s, which
its search leaves out of section titles; `on_post_build` strips the remaining markup (`<code>`) from those titles.
"""
import ast
import configparser
import html
import json
import re
from functools import lru_cache
from pathlib import Path

from mkdocs.structure.toc import get_toc

_CELL = re.compile(r'<div\b[^>]*\bclass="jp-Cell(?:\s[^"]*)?"')  # a cell's outer div (not jp-Cell-inputWrapper...)
_HEADING = re.compile(r'<h([1-6])\b([^>]*)>(.*?)</h\1\s*>', re.S | re.I)
_ID = re.compile(r'\bid\s*=\s*(["\'])(.*?)\1', re.S)
_ANCHOR = re.compile(r'<a\b[^>]*\bclass="anchor-link"[^>]*>.*?</a>', re.S)  # the ¶ link nbconvert appends
_TAG = re.compile(r'<[^>]*>')
_SOURCE = re.compile(r'\s*<a\b[^>]*\bclass="doc-source"[^>]*>.*?</a>', re.S)     # ShowDocTable's [source] link
_OUTPUT = re.compile(r'<div\b[^>]*\bclass="[^"]*\bjp-OutputArea-output\b')      # a code cell's rendered output
ROOT = Path(__file__).resolve().parent


def _text(inner_html):
    "The heading's text, HTML-escaped as MkDocs expects of TOC and page titles."
    text = html.unescape(_TAG.sub('', _SOURCE.sub('', _ANCHOR.sub('', inner_html))))
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


@lru_cache(None)
def source_lines(lib_path):
    "{dotted name: [(module path, line)]} of the functions, classes, methods, `@patch`ed methods and constants in `lib_path`."
    idx = {}
    for py in sorted(Path(lib_path).glob('*.py')):
        try: tree = ast.parse(py.read_text(encoding='utf-8'))
        except SyntaxError: continue
        rel = f'{Path(lib_path).name}/{py.name}'
        def add(name, node): idx.setdefault(name, []).append((rel, min([node.lineno] + [d.lineno for d in getattr(node, 'decorator_list', [])])))
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                args, cls = node.args.posonlyargs + node.args.args, None
                if any('patch' in ast.unparse(d) for d in node.decorator_list) and args and args[0].annotation is not None:
                    cls = ast.unparse(args[0].annotation).strip('\'"')     # def f(self:Learner) / (self:'Learner')
                add(f'{cls}.{node.name}' if cls else node.name, node)
            elif isinstance(node, ast.ClassDef):
                add(node.name, node)
                for sub in node.body:
                    if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef)): add(f'{node.name}.{sub.name}', sub)
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                for t in (node.targets if isinstance(node, ast.Assign) else [node.target]):
                    if isinstance(t, ast.Name): add(t.id, node)
    return idx


@lru_cache(None)
def _settings():
    cfg = configparser.ConfigParser()
    cfg.read(ROOT/'settings.ini')
    return cfg['DEFAULT']


def source_url(name, module=None):
    "GitHub URL of the line that defines `name` in the library, preferring `module` (the page's own), or None."
    s = _settings()
    places = source_lines(str(ROOT/s.get('lib_path', 'textlib'))).get(name, [])
    if not places: return None
    path, line = next((p for p in places if module and p[0].endswith(f'/{module}.py')), places[0])
    return f"{s.get('git_url')}/blob/{s.get('branch', 'main')}/{path}#L{line}"


def _default_exp(page):
    "The module a notebook page exports (its `#| default_exp`), or None."
    try: m = re.search(r'#\|\s*default_exp\s+([\w.]+)', Path(page.file.abs_src_path).read_text(encoding='utf-8'))
    except OSError: return None
    return m.group(1).replace('.', '/') if m else None


def api_headings(content, module=None):
    "Rewrite the headings of code-cell outputs (show_doc's) with the dotted name as id and a source link: (new content, [(pos, level, id, text)])."
    out, found, pos, seen = [], [], 0, set(re.findall(r'\bid="([^"]*)"', content))
    starts = [m.start() for m in _CELL.finditer(content)] + [len(content)]
    for start, end in zip(starts, starts[1:]):
        if 'jp-MarkdownCell' in _CELL.match(content, start).group(0): continue
        for m in _HEADING.finditer(content, start, end):
            if not _OUTPUT.search(content, start, m.start()): continue      # a heading in the code itself, if any
            level, attrs, inner = m.groups()
            name = ' '.join(html.unescape(_TAG.sub('', _SOURCE.sub('', _ANCHOR.sub('', inner)))).split())
            if not name or ' ' in name: continue                            # not an API name (a heading printed by code)
            old = _ID.search(attrs)
            id_ = name if not old or old.group(2) != name else old.group(2)
            if id_ != (old.group(2) if old else None):
                n, base = 2, id_
                while id_ in seen: id_, n = f'{base}-{n}', n + 1
            seen.add(id_)
            src = _SOURCE.search(inner)
            url = None if src else source_url(name, module)
            link = f'<a class="doc-source" href="{html.escape(url)}" data-search-exclude>[source]</a>' if url else (src.group(0).strip() if src else '')
            permalink = f'<a class="headerlink" href="#{html.escape(id_)}" title="Permanent link">¶</a>'
            new = f'<h{level} id="{html.escape(id_)}" class="doc-heading">{html.escape(name)}{permalink}{link}</h{level}>'
            out += [content[pos:m.start()], new]
            pos = m.end()
            found.append((m.start(), int(level), id_, html.escape(name, quote=False)))
    return ''.join(out) + content[pos:], found


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
    html_content, apis = api_headings(html_content, _default_exp(page))
    page.toc = get_toc(_nest(_with_api(html_content, headings, apis)))
    if not opts.get('ignore_h1_titles', False) and 'title' not in page.meta:
        title = next((name for level, _, name in headings if level == 1), None)
        if title: page.title = title
    return _ANCHOR_CLASS.sub('class="headerlink" title="Permanent link"', html_content)  # Material's permalinks: not in search titles


_ANCHOR_CLASS = re.compile(r'class="anchor-link"')


def _with_api(content, headings, apis):
    "The markdown headings with each API heading inserted where it appears, one level below its section."
    pos = {id_: content.find(f'id="{html.escape(id_)}"') for _, id_, _ in headings}
    merged = sorted([(pos[i], lvl, i, t, False) for lvl, i, t in headings] + [(p, lvl, i, t, True) for p, lvl, i, t in apis])
    out, section = [], 0
    for _, lvl, id_, text, is_api in merged:
        if not is_api: section = lvl
        out.append((section + 1 if is_api else lvl, id_, text))
    return out


def on_post_build(config):
    "Section titles of the search index without markup (`<code>`) or a trailing ¶."
    p = Path(config['site_dir'])/'search'/'search_index.json'
    if not p.exists(): return
    idx = json.loads(p.read_text(encoding='utf-8'))
    for d in idx['docs']:
        d['title'] = html.escape(' '.join(html.unescape(_TAG.sub('', d['title'])).split()).rstrip('¶ '), quote=False)
    p.write_text(json.dumps(idx, ensure_ascii=False, separators=(',', ':')), encoding='utf-8')
