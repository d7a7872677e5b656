# wrong: pairs a value with itself even when it occurs only once (x + x == target with a single x)
# max-percent: 60

from collections import Counter


def find_pairs_sum(numbers, target):
    counts = Counter(numbers)
    pairs = []
    for value in counts:
        other = target - value
        if value <= other and other in counts:
            pairs.append((value, other))
    return sorted(pairs)
