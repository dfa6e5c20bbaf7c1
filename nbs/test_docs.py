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
