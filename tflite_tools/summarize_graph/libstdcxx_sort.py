"""`std::sort` exactly as GCC's libstdc++ performs it, ties included.

summarize_graph sorts its op counts with `std::sort` and a comparator that
only looks at the count. `std::sort` is not stable, so with more than 16 op
types, ops with equal counts come out in an order that only libstdc++'s
introsort (median-of-three quicksort, heapsort past the depth limit, a final
insertion sort over blocks of 16) reproduces. Python's stable `sorted` would
keep them alphabetical and differ from TensorFlow's real output.

    >>> items = sorted({"Add": 1, "Const": 5}.items())
    >>> std_sort(items, lambda a, b: a[1] > b[1])
    >>> items
    [('Const', 5), ('Add', 1)]
"""

from __future__ import annotations

from typing import Callable, MutableSequence, TypeVar

T = TypeVar("T")

_THRESHOLD = 16  # libstdc++'s _S_threshold


def std_sort(items: MutableSequence[T], less: Callable[[T, T], bool]) -> None:
    """Sort `items` in place, in the order libstdc++'s std::sort leaves them."""
    n = len(items)
    if n < 2:
        return
    _introsort_loop(items, 0, n, 2 * (n.bit_length() - 1), less)
    if n > _THRESHOLD:
        _insertion_sort(items, 0, _THRESHOLD, less)
        for i in range(_THRESHOLD, n):
            _unguarded_linear_insert(items, i, less)
    else:
        _insertion_sort(items, 0, n, less)


def _introsort_loop(a, first, last, depth_limit, less):
    while last - first > _THRESHOLD:
        if depth_limit == 0:
            _heap_sort(a, first, last, less)
            return
        depth_limit -= 1
        _move_median_to_first(a, first, first + 1, first + (last - first) // 2, last - 1, less)
        cut = _unguarded_partition(a, first + 1, last, first, less)
        _introsort_loop(a, cut, last, depth_limit, less)
        last = cut


def _move_median_to_first(a, result, x, y, z, less):
    if less(a[x], a[y]):
        if less(a[y], a[z]):
            median = y
        elif less(a[x], a[z]):
            median = z
        else:
            median = x
    elif less(a[x], a[z]):
        median = x
    elif less(a[y], a[z]):
        median = z
    else:
        median = y
    a[result], a[median] = a[median], a[result]


def _unguarded_partition(a, first, last, pivot, less):
    while True:
        while less(a[first], a[pivot]):
            first += 1
        last -= 1
        while less(a[pivot], a[last]):
            last -= 1
        if first >= last:
            return first
        a[first], a[last] = a[last], a[first]
        first += 1


def _insertion_sort(a, first, last, less):
    for i in range(first + 1, last):
        if less(a[i], a[first]):
            value = a[i]
            a[first + 1:i + 1] = a[first:i]
            a[first] = value
        else:
            _unguarded_linear_insert(a, i, less)


def _unguarded_linear_insert(a, i, less):
    value = a[i]
    while less(value, a[i - 1]):
        a[i] = a[i - 1]
        i -= 1
    a[i] = value


def _heap_sort(a, first, last, less):
    """std::partial_sort(first, last, last): make_heap, then sort_heap."""
    length = last - first
    for parent in range((length - 2) // 2, -1, -1):
        _adjust_heap(a, first, parent, length, a[first + parent], less)
    while last - first > 1:
        last -= 1
        value = a[last]
        a[last] = a[first]
        _adjust_heap(a, first, 0, last - first, value, less)


def _adjust_heap(a, base, hole, length, value, less):
    top = hole
    child = hole
    while child < (length - 1) // 2:
        child = 2 * (child + 1)
        if less(a[base + child], a[base + child - 1]):
            child -= 1
        a[base + hole] = a[base + child]
        hole = child
    if length % 2 == 0 and child == (length - 2) // 2:
        child = 2 * (child + 1)
        a[base + hole] = a[base + child - 1]
        hole = child - 1
    # __push_heap: sift `value` back up towards `top`.
    parent = (hole - 1) // 2
    while hole > top and less(a[base + parent], value):
        a[base + hole] = a[base + parent]
        hole = parent
        parent = (hole - 1) // 2
    a[base + hole] = value
