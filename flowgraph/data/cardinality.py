"""TF's rules for a dataset's number of elements (`Dataset.cardinality()`), applied as
each `pipeline.DatasetValue` is made: -1 is infinite, -2 unknown."""

INFINITE = -1
UNKNOWN = -2


def of(value):
    """The cardinality a DatasetValue carries (unknown unless its maker set one)."""
    return getattr(value, "cardinality", UNKNOWN)


def sized(value, n):
    """`value` with cardinality `n`."""
    value.cardinality = n
    return value


def range_(start, stop, step):
    if step > 0:
        return max(0, (stop - start + step - 1) // step)
    return max(0, (start - stop - step - 1) // -step)


def batch(n, size, drop_remainder):
    if n < 0 or size <= 0:  # (a bad size fails when the dataset is read)
        return n
    return n // size + (0 if drop_remainder or n % size == 0 else 1)


def window(n, size, shift, stride, drop_remainder):
    if n < 0 or min(size, shift, stride) <= 0:
        return n if n < 0 else UNKNOWN
    if drop_remainder:
        rest = n - ((size - 1) * stride + 1)
        return 0 if rest < 0 else rest // shift + 1
    return n // shift + (0 if n % shift == 0 else 1)


def repeat(n, count):
    if count < 0:
        return 0 if n == 0 else INFINITE
    if count == 0 or n == 0:
        return 0
    return n if n < 0 else n * count


def take(n, count):
    if n == UNKNOWN:
        return UNKNOWN
    if n == INFINITE:
        return count
    return n if count < 0 else min(n, count)


def skip(n, count):
    if n < 0:
        return n
    return 0 if count < 0 else max(0, n - count)


def zip_(ns):
    result = INFINITE
    for n in ns:
        if n == UNKNOWN:
            return UNKNOWN
        if n != INFINITE:
            result = n if result == INFINITE else min(result, n)
    return result


def concatenate(a, b):
    if UNKNOWN in (a, b):
        return UNKNOWN
    if INFINITE in (a, b):
        return INFINITE
    return a + b
