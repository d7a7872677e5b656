# wrong: finds the right pairs but returns them in set order instead of sorted ascending
# max-percent: 50


def find_pairs_sum(numbers, target):
    seen = set()
    found = set()
    for value in numbers:
        wanted = target - value
        if wanted in seen:
            found.add((min(value, wanted), max(value, wanted)))
        seen.add(value)
    return list(found)
