"""Offline stand-in for pip's get-pip.py, which ansible-test downloads from the internet.

ansible-test runs it as `python get_pip.py [pip options] pip==X ...` to bootstrap pip in a fresh
virtual environment; ensurepip brings pip from the standard library, then pip installs the rest.
"""

import subprocess
import sys

SKIP = {"--no-setuptools", "--no-wheel"}

subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade", "--default-pip"])
subprocess.check_call([sys.executable, "-m", "pip", "install"] + [a for a in sys.argv[1:] if a not in SKIP])
