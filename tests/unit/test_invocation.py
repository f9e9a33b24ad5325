"""The brief echo of module arguments: lists and dicts shown by their size, everything else as given."""

from ansible_collections.essentials.kvm.plugins.module_utils.invocation import brief_invocation


def test_lists_and_dicts_become_their_size():
    params = {
        "vms": [{"name": "vm%d" % i} for i in range(200)],
        "declared_pools": ["images"],
        "other_config": {"a": 1, "b": 2, "c": 3},
        "external_ids": {"k": "v"},
    }
    assert brief_invocation(params) == {
        "module_args": {
            "vms": "200 items",
            "declared_pools": "1 item",
            "other_config": "3 keys",
            "external_ids": "1 key",
        }
    }


def test_scalars_none_and_empty_lists_are_kept():
    params = {
        "uri": "qemu:///system",
        "purge": False,
        "shutdown_timeout": 120,
        "networks": None,
        "declared_bridges": [],
        "options": {},
    }
    assert brief_invocation(params) == {"module_args": params}


def test_the_params_are_left_unchanged():
    params = {"pools": [{"name": "images"}]}
    brief_invocation(params)
    assert params == {"pools": [{"name": "images"}]}
