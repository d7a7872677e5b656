# wrong: groups positions by value and enumerates every pair of positions, quadratic in the repetitions
# max-percent: 95

from collections import defaultdict


def find_pairs_sum(numbers, target):
    positions = defaultdict(list)
    for index, value in enumerate(numbers):
        positions[value].append(index)
    found = set()
    for value, mine in positions.items():
        other = target - value
        if value > other or other not in positions:
            continue
        for i in mine:
            for j in positions[other]:
                if i != j:
                    found.add((value, other))
    return sorted(found)
