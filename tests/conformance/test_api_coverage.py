"""docs/api-coverage.md is what scripts/api_coverage.py computes from the installed TF."""
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_api_coverage_doc_is_current():
    pytest.importorskip("tensorflow")
    r = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "api_coverage.py"),
                        "--check"], capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert r.returncode == 0, r.stdout + r.stderr[-2000:]
