# alternative: one pass with a set of values seen so far and a set of found pairs, sorted at the end


def find_pairs_sum(numbers, target):
    seen = set()
    found = set()
    for value in numbers:
        other = target - value
        if other in seen:
            found.add((value, other) if value <= other else (other, value))
        seen.add(value)
    return sorted(found)
