# alternative: sorts a copy of the input and walks two pointers inward, skipping repeated values


def find_pairs_sum(numbers, target):
    ordered = sorted(numbers)
    pairs = []
    low, high = 0, len(ordered) - 1
    while low < high:
        total = ordered[low] + ordered[high]
        if total < target:
            low += 1
        elif total > target:
            high -= 1
        else:
            a, b = ordered[low], ordered[high]
            pairs.append((a, b))
            while low < high and ordered[low] == a:
                low += 1
            while low < high and ordered[high] == b:
                high -= 1
    return pairs
