# alternative: binary search for each complement among the sorted distinct values, counting repeats separately

from bisect import bisect_left


def find_pairs_sum(numbers, target):
    distinct = sorted(set(numbers))
    repeated = len(distinct) != len(numbers)
    twice = set()
    if repeated:
        once = set()
        for value in numbers:
            if value in once:
                twice.add(value)
            once.add(value)
    result = []
    for value in distinct:
        other = target - value
        if other < value:
            break
        if other == value:
            if value in twice:
                result.append((value, value))
            continue
        index = bisect_left(distinct, other)
        if index < len(distinct) and distinct[index] == other:
            result.append((value, other))
    return result
