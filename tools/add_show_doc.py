"""Add a `show_doc(name)` cell after the exported cell that defines each name of a module's `__all__` that its notebook
does not document yet (one call a cell: a cell shows only its last expression). Idempotent.

    python tools/add_show_doc.py [--check] [nbs/12c_ulmfit.ipynb ...]    # default: every notebook with `#| default_exp`

--check lists what is missing and changes nothing (exit status 1 if anything is missing)."""
import argparse, ast, re, sys
from pathlib import Path
import nbformat

ROOT = Path(__file__).resolve().parent.parent
_EXP = re.compile(r'^#\|\s*default_exp\s+([\w.]+)\s*$', re.M)
_EXPORTED = re.compile(r'^#\|\s*export[s]?\b', re.M)
SKIP = {'_modidx', 'all', 'basics'}   # `all` and `basics` re-export other modules' names

def module_all(module):
    "Names in `textlib/<module>.py`'s `__all__`, read with ast."
    tree = ast.parse((ROOT/'textlib'/f'{module.replace(".", "/")}.py').read_text(encoding='utf-8'))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, 'id', None) == '__all__' for t in node.targets):
            return list(ast.literal_eval(node.value))
    return []

def documented(nb):
    "Names passed to `show_doc(...)` anywhere in the notebook."
    return {m.group(1) for c in nb.cells if c.cell_type == 'code' for m in re.finditer(r'show_doc\(\s*([\w.]+)', c.source)}

def defines(src, name):
    "Whether a cell's source defines `name` at top level: `def`, `class`, or an assignment (tuples and chains too)."
    code = '\n'.join(l for l in src.splitlines() if not l.lstrip().startswith(('%', '!')))
    try: body = ast.parse(code).body
    except SyntaxError: return bool(re.search(rf'^(?:def|class)\s+{re.escape(name)}\b|^{re.escape(name)}\s*=', src, re.M))
    def names(t): return [t.id] if isinstance(t, ast.Name) else [n for e in getattr(t, 'elts', []) for n in names(e)]
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name == name: return True
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        if any(name in names(t) for t in targets): return True
    return False

def split_multi(nb):
    "Cells with several `show_doc(...)` lines: one cell each (only a cell's last expression is displayed)."
    out, changed = [], False
    for c in nb.cells:
        lines = c.source.splitlines() if c.cell_type == 'code' else []
        if len(lines) > 1 and all(l.strip().startswith('show_doc(') or not l.strip() for l in lines) and sum(bool(l.strip()) for l in lines) > 1:
            out += [nbformat.v4.new_code_cell(l.strip()) for l in lines if l.strip()]; changed = True
        elif c.cell_type == 'code' and re.fullmatch(r'\s*show_doc\([^;\n]*\)(\s*;\s*show_doc\([^;\n]*\))+\s*;?\s*', c.source):
            out += [nbformat.v4.new_code_cell(s.strip()) for s in c.source.split(';') if s.strip()]; changed = True
        else: out.append(c)
    nb.cells = out
    return changed

def _pos(module, src):
    "Index in `__all__` of the name a `show_doc(name)` cell shows (-1 if not there)."
    names = module_all(module)
    n = re.fullmatch(r'show_doc\((\w+)\)', src.strip()).group(1)
    return names.index(n) if n in names else -1

def process(path, check):
    "Missing names of the notebook at `path` (and the cells added, unless `check`)."
    nb = nbformat.read(path, as_version=4)
    m = next((m for c in nb.cells if c.cell_type == 'code' and (m := _EXP.search(c.source))), None)
    if not m or m.group(1) in SKIP or not (ROOT/'textlib'/f'{m.group(1)}.py').exists(): return [], []
    have, report, added = documented(nb), [], []
    multi = any(c.cell_type == 'code' and len(re.findall(r'(?m)^\s*show_doc\(|;\s*show_doc\(', c.source)) > 1 for c in nb.cells)
    for name in module_all(m.group(1)):
        if name in have: continue
        i = next((i for i, c in enumerate(nb.cells) if c.cell_type == 'code' and _EXPORTED.search(c.source) and defines(c.source, name)), None)
        report.append(f'{name}' + ('' if i is not None else ' (no exported cell defines it here: not added)'))
        if i is None or check: continue
        j = i + 1
        while j < len(nb.cells) and re.fullmatch(r'show_doc\((\w+)\)', nb.cells[j].source.strip() or '-') and \
              module_all(m.group(1)).index(name) > _pos(m.group(1), nb.cells[j].source): j += 1  # keep __all__ order
        nb.cells.insert(j, nbformat.v4.new_code_cell(f'show_doc({name})')); added.append(name)
    if multi: report.append('a cell with several show_doc calls' + ('' if check else ': split'))
    if not check and (split_multi(nb) or added):
        nbformat.validate(nb)
        nbformat.write(nb, path)
    return report, added

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('nbs', nargs='*'); ap.add_argument('--check', action='store_true', help='list what is missing, change nothing')
    a = ap.parse_args()
    paths = [Path(p) for p in a.nbs] or sorted((ROOT/'nbs').glob('*.ipynb'))
    missing = 0
    for p in paths:
        report, added = process(p, a.check)
        if report: print(f'{p.name}: ' + ', '.join(report)); missing += len(report) - len(added)
    if a.check and missing: sys.exit(1)

if __name__ == '__main__': main()
