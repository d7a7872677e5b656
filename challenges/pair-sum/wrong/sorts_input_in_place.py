# wrong: right answer, but sorts the caller's list in place (two pointers over numbers.sort())
# max-percent: 90


def find_pairs_sum(numbers, target):
    numbers.sort()
    pairs = []
    low, high = 0, len(numbers) - 1
    while low < high:
        total = numbers[low] + numbers[high]
        if total < target:
            low += 1
        elif total > target:
            high -= 1
        else:
            pairs.append((numbers[low], numbers[high]))
            a, b = numbers[low], numbers[high]
            while low < high and numbers[low] == a:
                low += 1
            while low < high and numbers[high] == b:
                high -= 1
    return pairs
