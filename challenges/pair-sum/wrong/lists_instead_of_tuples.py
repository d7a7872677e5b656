# wrong: returns the pairs as lists [a, b] instead of tuples
# max-percent: 20

from collections import Counter


def find_pairs_sum(numbers, target):
    counts = Counter(numbers)
    pairs = []
    for value in sorted(counts):
        other = target - value
        if (value < other and other in counts) or (value == other and counts[value] > 1):
            pairs.append([value, other])
    return pairs
