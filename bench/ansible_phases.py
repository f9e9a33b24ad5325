"""ansible-playbook in this process, with the CPU seconds of each phase recorded; see bench/README.md.

Run with the Python of the Ansible to measure and ansible-playbook's own arguments; bench/phases.py
does it for contender 1's no-op rerun. The phases are exclusive (a phase inside another is not
counted twice) and CPU is user + system from getrusage:

- the main process: inventory, loading the playbook and its roles (the roles' argument specs on
  their own), variables, the strategy loop with results and callbacks, and the rest (interpreter
  start, imports, configuration, exit);
- each task's worker (a fork): templating the task (post_validate: module arguments and `when`),
  building the AnsiballZ payload (finding and compiling module_utils), writing it, running commands
  (the worker's side) and the rest; the commands' own processes: the module (the Python running the
  AnsiballZ payload) and the shell housekeeping (temporary directory, chmod, removal).

Workers write their figures to files in a temporary directory; the main process adds them up and
writes one JSON object {"phases": [[owner, phase, cpu], ...], "total": cpu} to the file named by
--phases-out, then exits with ansible-playbook's return code.
"""

import json
import multiprocessing
import os
import resource
import sys
import tempfile
import time

from ansible.executor.process.worker import WorkerProcess
from ansible.executor.task_queue_manager import TaskQueueManager
from ansible.inventory.manager import InventoryManager
from ansible.playbook import Playbook
from ansible.playbook.role import Role
from ansible.playbook.task import Task
from ansible.plugins.action import ActionBase
from ansible.vars.manager import VariableManager

MAIN = "main process"
# (owner, phase) -> CPU seconds, for this process only; owner is MAIN or a task's name.
FIGURES = {}
# CPU seconds spent in timed phases nested in the phase being timed, one entry per open phase.
NESTED = []
OWNER = [MAIN]
# Phases holding the CPU of child processes, not of this process.
CHILD_PHASES = ("module process", "shell commands (tmp dir, chmod, rm)")


def _cpu(who):
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def _add(phase, seconds, owner=None):
    key = (owner or OWNER[0], phase)
    FIGURES[key] = FIGURES.get(key, 0.0) + seconds


def _timed(cls, name, phase):
    """Wrap cls.name so that the process's own CPU inside it counts for phase, minus nested phases."""
    original = getattr(cls, name)

    def wrapper(*args, **kwargs):
        start = _cpu(resource.RUSAGE_SELF)
        NESTED.append(0.0)
        try:
            return original(*args, **kwargs)
        finally:
            spent = _cpu(resource.RUSAGE_SELF) - start
            _add(phase, spent - NESTED.pop())
            if NESTED:
                NESTED[-1] += spent

    setattr(cls, name, wrapper)


def _commands():
    """A command's own process counts as the module or as shell housekeeping, by what it runs."""
    original = ActionBase._low_level_execute_command

    def wrapper(self, cmd, *args, **kwargs):
        own, children = _cpu(resource.RUSAGE_SELF), _cpu(resource.RUSAGE_CHILDREN)
        try:
            return original(self, cmd, *args, **kwargs)
        finally:
            spent = _cpu(resource.RUSAGE_SELF) - own
            _add("run commands (worker side)", spent)
            if NESTED:
                NESTED[-1] += spent
            # Without pipelining the module runs from its AnsiballZ_ file; with it, from stdin.
            runs_module = "AnsiballZ_" in cmd and "chmod" not in cmd or bool(kwargs.get("in_data"))
            _add(CHILD_PHASES[0] if runs_module else CHILD_PHASES[1], _cpu(resource.RUSAGE_CHILDREN) - children)

    ActionBase._low_level_execute_command = wrapper


def _worker(out_dir):
    """Each worker records its own figures and leaves them in out_dir for the main process."""
    original = WorkerProcess._run

    def wrapper(self):
        FIGURES.clear()
        OWNER[0] = self._task.get_name()
        try:
            return original(self)
        finally:
            timed = sum(v for k, v in FIGURES.items() if k[1] not in CHILD_PHASES)
            _add("rest of the worker (task executor, action plugin, results)", _cpu(resource.RUSAGE_SELF) - timed)
            with open(os.path.join(out_dir, "%d.json" % os.getpid()), "w") as out:
                json.dump([[owner, phase, cpu] for (owner, phase), cpu in FIGURES.items()], out)

    WorkerProcess._run = wrapper


def instrument(out_dir):
    _timed(InventoryManager, "parse_sources", "inventory")
    _timed(Playbook, "_load_playbook_data", "load playbook and roles (not argument specs)")
    _timed(Role, "_get_role_argspecs", "load roles' argument specs")
    _timed(VariableManager, "get_vars", "variables for tasks")
    _timed(TaskQueueManager, "run", "strategy loop, results, callbacks")
    _timed(Task, "post_validate", "template the task (args, when)")
    _timed(ActionBase, "_configure_module", "build AnsiballZ (find, compile module_utils)")
    _timed(ActionBase, "_transfer_data", "write payload and args")
    _commands()
    _worker(out_dir)


def main():
    args = sys.argv[1:]
    if len(args) < 2 or args[0] != "--phases-out":
        sys.exit("usage: ansible_phases.py --phases-out FILE ANSIBLE-PLAYBOOK-ARGS...")
    phases_out, args = args[1], args[2:]
    with tempfile.TemporaryDirectory(prefix="ekvm-b-phases-") as out_dir:
        instrument(out_dir)
        from ansible.cli.playbook import main as playbook_main

        sys.argv = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook")] + args
        code = 0
        try:
            playbook_main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        # Workers are still exiting when ansible-playbook returns: their figures and CPU come at exit.
        while multiprocessing.active_children():
            time.sleep(0.01)
        own = _cpu(resource.RUSAGE_SELF)
        timed = sum(v for k, v in FIGURES.items() if k[0] == MAIN)
        _add("rest: interpreter start, imports, configuration, CLI, exit", own - timed, MAIN)
        rows = [[owner, phase, cpu] for (owner, phase), cpu in FIGURES.items()]
        for name in sorted(os.listdir(out_dir)):
            with open(os.path.join(out_dir, name)) as src:
                rows.extend(json.load(src))
    with open(phases_out, "w") as out:
        json.dump({"phases": rows, "total": own + _cpu(resource.RUSAGE_CHILDREN)}, out, indent=1)
    return code


if __name__ == "__main__":
    sys.exit(main())
