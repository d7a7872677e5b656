# wrong: the seed's sample answer rewritten: `seen` only grows inside the match branch (finds nothing), unsorted
# max-percent: 20


def find_pairs_sum(numbers, target):
    seen = set()
    found = set()
    for value in numbers:
        wanted = target - value
        if wanted in seen:
            found.add((min(value, wanted), max(value, wanted)))
            seen.add(value)
    return list(found)
