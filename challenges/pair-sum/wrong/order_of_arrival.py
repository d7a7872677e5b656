# wrong: each pair is (earlier value, later value) as met in the list, not (smaller, larger)
# max-percent: 35


def find_pairs_sum(numbers, target):
    seen = set()
    found = {}
    for value in numbers:
        wanted = target - value
        if wanted in seen and min(value, wanted) not in found:
            found[min(value, wanted)] = (wanted, value)
        seen.add(value)
    return [found[key] for key in sorted(found)]
