"Make each notebook in `nbs/` one pytest item, run by `nbdev_test` (so nbdev's directives and flags apply)."
import os, subprocess, sys
from pathlib import Path
import pytest

def pytest_collect_file(parent, file_path):
    if file_path.suffix == '.ipynb' and file_path.parent.name == 'nbs' and not file_path.name.startswith(('_', '.')):
        return NotebookFile.from_parent(parent, path=file_path)

class NotebookFile(pytest.File):
    def collect(self): yield NotebookItem.from_parent(self, name=self.path.name)

class NotebookFailed(Exception): pass

class NotebookItem(pytest.Item):
    def runtest(self):
        cmd = ['nbdev_test', '--path', str(self.path), '--do_print']
        flags = os.environ.get('TEXTLIB_TEST_FLAGS', '')
        if flags: cmd += ['--flags', flags]
        res = subprocess.run(cmd, capture_output=True, text=True, cwd=self.path.parent.parent)
        if res.returncode != 0: raise NotebookFailed(res.stdout + res.stderr)
    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, NotebookFailed): return str(excinfo.value)
        return super().repr_failure(excinfo)
    def reportinfo(self): return self.path, 0, f"notebook {self.path.name}"
