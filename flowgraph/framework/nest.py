"""Nested structures (lists, tuples, namedtuples, dicts) as TF's `nest` treats them:
dict entries are visited in sorted key order."""


def _is_seq(x):
    return isinstance(x, (list, tuple, dict))


def _is_composite(x):
    """Objects standing in a structure for the tensors they hold (a TensorArray for its
    flow): flattened to `x._nest_components()`, rebuilt by `x._nest_rebuild(tensors)`."""
    return hasattr(type(x), "_nest_components")


def flatten(structure):
    """The leaves of `structure`, depth first."""
    if isinstance(structure, dict):
        return [leaf for k in sorted(structure) for leaf in flatten(structure[k])]
    if isinstance(structure, (list, tuple)):
        return [leaf for x in structure for leaf in flatten(x)]
    if _is_composite(structure):
        return list(structure._nest_components())
    return [structure]


def pack_sequence_as(structure, flat):
    """Rebuilds `structure` with the leaves taken in order from `flat`."""
    flat = list(flat)
    pos = [0]

    def build(s):
        if isinstance(s, dict):
            vals = {k: build(s[k]) for k in sorted(s)}
            return type(s)((k, vals[k]) for k in s)
        if isinstance(s, (list, tuple)):
            items = [build(x) for x in s]
            if isinstance(s, tuple) and hasattr(s, "_fields"):
                return type(s)(*items)
            return type(s)(items)
        if _is_composite(s):
            n = len(s._nest_components())
            pos[0] += n
            return s._nest_rebuild(flat[pos[0] - n:pos[0]])
        v = flat[pos[0]]
        pos[0] += 1
        return v
    out = build(structure)
    if pos[0] != len(flat):
        raise ValueError(f"Structure had {pos[0]} leaves but {len(flat)} values were given")
    return out


def map_structure(fn, *structures):
    flats = [flatten(s) for s in structures]
    if any(len(f) != len(flats[0]) for f in flats):
        raise ValueError("The structures do not have the same number of elements")
    return pack_sequence_as(structures[0], [fn(*xs) for xs in zip(*flats)])


def assert_same_structure(a, b):
    if len(flatten(a)) != len(flatten(b)) or _shape_of(a) != _shape_of(b):
        raise ValueError(f"The two structures don't have the same nested structure: "
                         f"{a!r} and {b!r}")


def _shape_of(s):
    if isinstance(s, dict):
        return ("dict", tuple((k, _shape_of(s[k])) for k in sorted(s)))
    if isinstance(s, (list, tuple)):
        return (type(s).__name__ if hasattr(s, "_fields") else "seq",
                tuple(_shape_of(x) for x in s))
    return None


is_sequence = _is_seq
