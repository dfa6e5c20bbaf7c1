"""The docs site builds with `mkdocs build --strict`, with one page per notebook whose navigation and TOC
show each heading of the notebook's markdown cells (levels 1-3) in full, inline code names included,
and whose TOC entries link to headings that exist in the page.

One strict build into a temporary folder (about 20 s from scratch, a few seconds when mkdocs-jupyter's
cache in build/mkdocs-jupyter is warm); never into docs/, the committed site."""
import html, json, os, re, subprocess, sys, time
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parent.parent
NBS = ROOT/'nbs'
NOTEBOOKS = sorted(p for p in NBS.glob('*.ipynb') if not p.name.startswith(('_', '.')))
MAX_LEVEL = 3  # mkdocs.yml: toc_depth: 3

def page_path(site, nb):
    return site/'index.html' if nb.stem == 'index' else site/nb.stem/'index.html'

def _norm(s):
    "Text with tags stripped, entities decoded and whitespace collapsed."
    return ' '.join(html.unescape(re.sub(r'<[^>]*>', '', s)).split())

_FENCE = re.compile(r'^ {0,3}(```|~~~)')
_ATX = re.compile(r'^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$')

def md_headings(nb):
    "(level, plain text) of the ATX headings of levels 1-MAX_LEVEL in the notebook's markdown cells."
    out = []
    for cell in json.loads(nb.read_text(encoding='utf-8'))['cells']:
        if cell['cell_type'] != 'markdown': continue
        src = cell['source'] if isinstance(cell['source'], str) else ''.join(cell['source'])
        fence = None
        for line in src.splitlines():
            m = _FENCE.match(line)
            if m:
                fence = None if fence == m.group(1) else (fence or m.group(1))
                continue
            m = None if fence else _ATX.match(line)
            if not m or len(m.group(1)) > MAX_LEVEL: continue
            text = re.sub(r'(`+)(.+?)\1', lambda c: c.group(2).strip(), m.group(2))  # `code` -> code
            text = re.sub(r'!?\[([^\]]*)\]\([^)]*\)', r'\1', text)                    # [text](url) -> text
            text = re.sub(r'\\([\\`*_{}\[\]()#+\-.!])', r'\1', text.replace('**', ''))  # **bold**, \escapes
            out.append((len(m.group(1)), _norm(text)))
    return out

_NAV_LINK = re.compile(r'<(a|label)\b([^>]*\bclass="md-nav__link\b[^"]*"[^>]*)>(.*?)</\1\s*>', re.S)
_HREF = re.compile(r'\bhref="#([^"]*)"')

def nav_links(page_html):
    "(text, anchor or None) of every link of the page's navigation and table of contents."
    return [(_norm(inner), (m.group(1) if (m := _HREF.search(attrs)) else None))
            for _, attrs, inner in _NAV_LINK.findall(page_html)]

@pytest.fixture(scope='module')
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp('site')
    t0 = time.perf_counter()
    res = subprocess.run([sys.executable, '-m', 'mkdocs', 'build', '--strict', '-d', str(out)],
                         cwd=ROOT, capture_output=True, text=True, env={**os.environ, 'NO_MKDOCS_2_WARNING': '1'})
    print(f'mkdocs build --strict: {time.perf_counter()-t0:.1f}s')
    assert res.returncode == 0, f'mkdocs build --strict failed:\n{res.stdout}\n{res.stderr}'
    warnings = re.findall(r'^WARNING\b.*$', res.stderr, re.M)  # --strict already fails on these
    assert not warnings, '\n'.join(warnings)
    return out

def test_notebooks_found():
    assert NOTEBOOKS and any(nb.name == 'index.ipynb' for nb in NOTEBOOKS)

def test_md_headings_parser():
    import tempfile
    cell = {'cell_type': 'markdown', 'metadata': {}, 'source':
            ['# The `Learner`: a loop\n', '```python\n', '# not a heading\n', '```\n',
             '### `RNNDropout`: one mask ##\n', '#### too deep\n', '## [`x`](y) and \\_z']}
    with tempfile.TemporaryDirectory() as d:
        p = Path(d)/'t.ipynb'
        p.write_text(json.dumps({'cells': [cell]}))
        assert md_headings(p) == [(1, 'The Learner: a loop'), (3, 'RNNDropout: one mask'), (2, 'x and _z')]

@pytest.mark.parametrize('nb', NOTEBOOKS, ids=lambda p: p.name)
def test_page_nav_and_toc(site, nb):
    page = page_path(site, nb)
    assert page.exists(), f'{nb.name} has no page at {page.relative_to(site)}'
    page_html = page.read_text(encoding='utf-8')
    links = nav_links(page_html)
    texts = {t for t, _ in links}
    missing = [f'{"#"*lvl} {t}' for lvl, t in md_headings(nb) if t not in texts]
    assert not missing, f'{nb.name}: headings missing from the navigation/TOC of its page:\n' + '\n'.join(missing)
    ids = set(re.findall(r'\bid="([^"]*)"', page_html))
    dead = [f'{t} -> #{a}' for t, a in links if a and a not in ids]
    assert not dead, f'{nb.name}: TOC links to anchors missing from the page:\n' + '\n'.join(dead)

# ---- API reference: every exported name has an API block (show_doc) in its notebook's page, in the page's TOC ----

_DEFAULT_EXP = re.compile(r'^#\|\s*default_exp\s+([\w.]+)\s*$', re.M)
_API_HEADING = re.compile(r'<h([1-6])\b[^>]*\bid="([^"]*)"[^>]*\bclass="doc-heading"[^>]*>', re.S)
SKIP_MODULES = {'_modidx', 'all', 'basics'}   # `all` and `basics` only re-export other modules' names

def _src(cell): return cell['source'] if isinstance(cell['source'], str) else ''.join(cell['source'])

def module_notebooks():
    "{module: notebook} from each notebook's `#| default_exp` line."
    out = {}
    for nb in NOTEBOOKS:
        for cell in json.loads(nb.read_text(encoding='utf-8'))['cells']:
            if cell['cell_type'] == 'code' and (m := _DEFAULT_EXP.search(_src(cell))): out[m.group(1)] = nb; break
    return out

sys.path.insert(0, str(ROOT/'tools'))
from add_show_doc import module_all   # the names of a module's `__all__`, read with ast: nothing is imported

def api_ids(page_html): return [html.unescape(i) for _, i in _API_HEADING.findall(page_html)]

MODULES = sorted((m, nb) for m, nb in module_notebooks().items() if m not in SKIP_MODULES)

def test_module_map():
    assert ('core', NBS/'00_core.ipynb') in MODULES and ('learner', NBS/'02_learner.ipynb') in MODULES

@pytest.mark.parametrize('module,nb', MODULES, ids=[m for m, _ in MODULES])
def test_api_coverage(site, module, nb):
    "Every name of the module's `__all__` has an API heading (id = the name) on its notebook's page."
    ids = set(api_ids(page_path(site, nb).read_text(encoding='utf-8')))
    missing = [n for n in module_all(module) if n not in ids]
    print(f'{nb.name} ({module}): no API block for {missing}')
    assert not missing, f'{nb.name}: names of textlib/{module}.py __all__ without show_doc: {missing} (tools/add_show_doc.py adds them)'

@pytest.mark.parametrize('nb', NOTEBOOKS, ids=lambda p: p.name)
def test_api_headings_in_toc(site, nb):
    page_html = page_path(site, nb).read_text(encoding='utf-8')
    toc = {a for _, a in nav_links(page_html) if a}
    missing = [i for i in api_ids(page_html) if i not in toc]
    assert not missing, f'{nb.name}: API headings missing from the TOC: {missing}'

def test_api_heading_ids(site):
    "API headings are found, with the dotted name as id, a [source] link and a parameter table."
    page_html = page_path(site, NBS/'03_schedule.ipynb').read_text(encoding='utf-8')
    assert 'Learner.fit_one_cycle' in api_ids(page_html)
    block = page_html[page_html.index('id="Learner.fit_one_cycle"'):][:3000]
    assert re.search(r'class="doc-source" [^>]*href="https://github.com/textlib/textlib/blob/main/textlib/schedule.py#L\d+"|'
                     r'href="https://github.com/textlib/textlib/blob/main/textlib/schedule.py#L\d+"[^>]*class="doc-source"', block)

def test_show_doc_one_per_cell():
    "A cell with several show_doc statements displays only the last: each needs its own cell."
    import ast
    bad = []
    for nb in NOTEBOOKS:
        for i, cell in enumerate(json.loads(nb.read_text(encoding='utf-8'))['cells']):
            src = _src(cell)
            if cell['cell_type'] != 'code' or src.count('show_doc(') < 2: continue
            try: body = ast.parse('\n'.join(l for l in src.splitlines() if not l.lstrip().startswith(('%', '!'))) ).body
            except SyntaxError: continue
            calls = [s for s in body if isinstance(s, ast.Expr) and isinstance(s.value, ast.Call) and getattr(s.value.func, 'id', None) == 'show_doc']
            if len(calls) > 1: bad.append(f'{nb.name} cell {i}: {src.strip()!r}')
    assert not bad, 'cells with several show_doc calls (only the last is shown):\n' + '\n'.join(bad)

# ---- search ----

def _search_index(site): return json.loads((site/'search'/'search_index.json').read_text(encoding='utf-8'))

def test_search_titles(site):
    bad = [d['title'] for d in _search_index(site)['docs'] if d['title'].rstrip().endswith('¶') or '<' in d['title']]
    assert not bad, f'{len(bad)} search titles end in ¶ or hold markup, e.g. {bad[:5]}'

@pytest.mark.parametrize('name', ['fit_gradual', 'predict_proba', 'fit_one_cycle'])
def test_search_finds_api(site, name):
    "The query, tokenized as the site's search tokenizes it, is a token of the title of an API section."
    idx = _search_index(site)
    sep = re.compile(idx['config']['separator'])
    hits = [d['location'] for d in idx['docs'] if '#' in d['location'] and name in [t.lower() for t in sep.split(d['title']) if t]]
    assert hits, f'searching {name!r} finds no section titled with it'

# ---- pages without noise ----

def _pages(site): return sorted(site.rglob('*.html'))

_CTRL = re.compile(r'[\x00-\x08\x0b\x0c\x0e-\x1f]')
_MATH = re.compile(r'\$\$(.+?)\$\$|\\\((.+?)\\\)|\\\[(.+?)\\\]|(?<![\\$])\$([^$\n]+?)\$', re.S)

def test_no_broken_math(site):
    "No control characters in a page (a `\\text` or `\\b` typed in a Python string): MathJax shows 'Math input error'."
    bad = []
    for p in _pages(site):
        s = p.read_text(encoding='utf-8')
        if 'Math input error' in s: bad.append(f'{p.relative_to(site)}: "Math input error"')
        bad += [f'{p.relative_to(site)}: control character in {m.group(0)[:80]!r}' for m in _MATH.finditer(s) if _CTRL.search(m.group(0)) or '\t' in m.group(0)]
        bad += [f'{p.relative_to(site)}: control character in {m.group(0)!r}' for m in re.finditer(r'.{0,30}[\x07\x08\x0b\x0c].{0,30}', s)]
    assert not bad, '\n'.join(dict.fromkeys(bad))

_LOCAL = re.compile(r'(?<![\w.~-])/(?:work|tmp|root|home)/[\w.\-/]*')
_OUT_START = re.compile(r'<div class="jp-Cell-outputWrapper"')

def shown_text(page_html):
    "The page without the code of its code cells (their outputs and the markdown cells stay)."
    starts = [m.start() for m in re.finditer(r'<div\b[^>]*\bclass="jp-Cell\s[^"]*"', page_html)] + [len(page_html)]
    parts = [page_html[:starts[0]]]
    for a, b in zip(starts, starts[1:]):
        cell = page_html[a:b]
        if 'jp-CodeCell' in cell[:200]: cell = ''.join(cell[m.start():] for m in [_OUT_START.search(cell)] if m)
        parts.append(cell)
    return ''.join(parts)

def test_no_local_paths(site):
    "No absolute path of the machine that ran the notebooks in a page's prose or outputs."
    bad = [f'{p.relative_to(site)}: {m.group(0)}' for p in _pages(site) for m in _LOCAL.finditer(shown_text(p.read_text(encoding='utf-8')))]
    assert not bad, '\n'.join(dict.fromkeys(bad))

def test_no_local_server_links(site):
    page_html = (site/'index.html').read_text(encoding='utf-8')
    assert not re.search(r'href="https?://(127\.0\.0\.1|localhost)', page_html)
