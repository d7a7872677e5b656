"""Reference: count every value once, then look each distinct value's complement up in the counts."""

from collections import Counter


def find_pairs_sum(numbers: list[int], target: int) -> list[tuple[int, int]]:
    counts = Counter(numbers)
    pairs = []
    for value, count in counts.items():
        other = target - value
        if value < other:
            if other in counts:
                pairs.append((value, other))
        elif value == other and count >= 2:
            pairs.append((value, value))
    pairs.sort()
    return pairs
