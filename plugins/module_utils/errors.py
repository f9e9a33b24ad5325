"""Typed exceptions shared by every module; only a module's main() turns them into fail_json."""


def at(path, key):
    """Extend an input path: at('kvm_vms', 2) -> 'kvm_vms[2]', at('kvm_vms[2]', 'disks') -> 'kvm_vms[2].disks'."""
    if isinstance(key, int):
        return "%s[%d]" % (path, key)
    return "%s.%s" % (path, key) if path else str(key)


class EssentialsError(Exception):
    """Base of every error this collection raises on purpose. `done` lists the changes made before it (empty
    when nothing changed), so the module reports changed=true and says what is left half-done."""

    def __init__(self, message, done=()):
        super().__init__(message)
        self.message = message
        self.done = list(done)


class InputError(EssentialsError):
    """The user's input is wrong; raised before anything on the host changes."""

    def __init__(self, path, message, hint=None):
        text = "%s: %s" % (path, message) if path else message
        if hint:
            text = "%s (%s)" % (text, hint)
        super().__init__(text)
        self.path = path
        self.hint = hint


class HostError(EssentialsError):
    """The host refused or failed an operation (libvirt, ovs-vsctl, ifup...)."""


class UnsupportedError(EssentialsError):
    """The host lacks a backend or a feature that the input asks for."""
