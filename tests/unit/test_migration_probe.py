"""migration_probe.stream_blocked on this machine's loopback: a listening port and a closed one both let the
stream through; an address the kernel cannot connect to is named with the reason. Silence (dropped packets) is
proven in tests/lab/test_migration_abort_lab.py, which drops them in the lab's namespace."""

import socket

from ansible_collections.essentials.kvm.plugins.module_utils.migration_probe import stream_blocked


def test_a_port_something_listens_on_is_reachable():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        assert stream_blocked("127.0.0.1", server.getsockname()[1]) is None


def test_a_closed_port_answers_with_a_refusal_which_means_the_packets_get_through():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # bound, never listening: the kernel refuses connections to it
        assert stream_blocked("127.0.0.1", port) is None


def test_an_address_the_kernel_cannot_connect_to_is_named_with_the_reason():
    # A link-local address without its interface: the kernel refuses the connect itself, sending nothing.
    assert stream_blocked("fe80::1", 49215, timeout=1).startswith("a TCP connection to port 49215 failed: ")
