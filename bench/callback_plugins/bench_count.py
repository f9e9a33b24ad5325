# Copyright: (c) 2026, KVM essentials developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: bench_count
type: aggregate
short_description: Count module invocations and changed results for the benchmark
description:
  - Writes one JSON object with the number of module runs (one per host and loop item that ran),
    the changed ones, the failed ones and the wall seconds of each task to the file named by the
    environment variable C(BENCH_COUNT_FILE) when the play ends.
requirements:
  - enable in configuration
"""

import json
import os
import time

from ansible.plugins.callback import CallbackBase

# Actions that run on the controller only and start no module on the host.
CONTROLLER_ONLY = frozenset(
    (
        "set_fact",
        "ansible.builtin.set_fact",
        "debug",
        "ansible.builtin.debug",
        "include_role",
        "ansible.builtin.include_role",
        "import_role",
        "ansible.builtin.import_role",
        "include_tasks",
        "ansible.builtin.include_tasks",
        "meta",
        "ansible.builtin.meta",
        "include_vars",
        "ansible.builtin.include_vars",
        "validate_argument_spec",
        "ansible.builtin.validate_argument_spec",
        "assert",
        "ansible.builtin.assert",
        "fail",
        "ansible.builtin.fail",
    )
)


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "bench_count"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self.counts = {"modules": 0, "changed": 0, "failed": 0, "task_seconds": {}}
        self.task = None
        self.started = None

    def _close_task(self):
        if self.task is not None:
            seconds = self.counts["task_seconds"].get(self.task, 0) + time.monotonic() - self.started
            self.counts["task_seconds"][self.task] = round(seconds, 3)

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._close_task()
        self.task = task.get_name()
        self.started = time.monotonic()

    def _count(self, result, failed=False):
        if result._task.action in CONTROLLER_ONLY:
            return
        self.counts["modules"] += 1
        self.counts["changed"] += 1 if result._result.get("changed") else 0
        self.counts["failed"] += 1 if failed else 0

    # A looped task reports each item, then once more for the whole loop: count only the items.
    def v2_runner_on_ok(self, result):
        if "results" not in result._result:
            self._count(result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        if "results" not in result._result:
            self._count(result, failed=True)

    def v2_runner_item_on_ok(self, result):
        self._count(result)

    def v2_runner_item_on_failed(self, result):
        self._count(result, failed=True)

    def v2_playbook_on_stats(self, stats):
        self._close_task()
        path = os.environ.get("BENCH_COUNT_FILE")
        if path:
            with open(path, "w") as out:
                json.dump(self.counts, out)
