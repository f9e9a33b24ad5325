"""Makes the collection importable as ansible_collections.essentials.kvm and wires the lab fixtures."""
import importlib
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTIONS = os.path.join(ROOT, "build", "collections")
LINK = os.path.join(COLLECTIONS, "ansible_collections", "essentials", "kvm")

if not os.path.islink(LINK):
    os.makedirs(os.path.dirname(LINK), exist_ok=True)
    os.symlink(ROOT, LINK)
for entry in (COLLECTIONS, ROOT):
    if entry not in sys.path:
        sys.path.insert(0, entry)
importlib.invalidate_caches()
