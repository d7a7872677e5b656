# wrong: removes duplicate pairs with `not in` on a list, O(n * pairs) time
# max-percent: 90


def find_pairs_sum(numbers, target):
    seen = set()
    pairs = []
    for value in numbers:
        wanted = target - value
        if wanted in seen:
            pair = (min(value, wanted), max(value, wanted))
            if pair not in pairs:
                pairs.append(pair)
        seen.add(value)
    pairs.sort()
    return pairs
